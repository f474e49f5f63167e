//! Where a payroll's records come from (design §2): every user, and the
//! time cards whose `inDateTime` falls in a range, each typed with the
//! exceptions found reading them. The batch job asks a [`Source`];
//! [`Q2Client`] is the one that reads the Q2 API, and another (a
//! database, a different time clock) needs only the first two methods.

use std::future::Future;
use std::path::Path;

use chrono::NaiveDateTime;

use crate::client::{Fetched, IngestError, Put, Q2Client, Streamed, TimeCardQuery, UserQuery};

/// A source of users and time cards.
pub trait Source: Sync {
    /// The time cards whose `inDateTime` is from `from` to `to`, inclusive.
    fn time_cards(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> impl Future<Output = Result<Fetched, IngestError>> + Send;

    /// Every user, whatever their role (inactive ones included: the rules
    /// decide who is in a payroll).
    fn users(&self) -> impl Future<Output = Result<Fetched, IngestError>> + Send;

    /// [`Source::time_cards`], given to `put` a chunk at a time in order,
    /// so that a fetch of any size need not be held; `spill` is a folder
    /// the source may write its own scratch files in. By default the
    /// records are fetched whole, then put.
    fn time_cards_to(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        spill: &Path,
        put: Put<'_>,
    ) -> impl Future<Output = Result<Streamed, IngestError>> + Send {
        let _ = spill;
        async move { put_whole(self.time_cards(from, to).await?, put) }
    }

    /// [`Source::users`], given to `put` as [`Source::time_cards_to`] gives
    /// time cards.
    fn users_to(
        &self,
        spill: &Path,
        put: Put<'_>,
    ) -> impl Future<Output = Result<Streamed, IngestError>> + Send {
        let _ = spill;
        async move { put_whole(self.users().await?, put) }
    }
}

/// `fetched`'s chunks to `put`.
fn put_whole(mut fetched: Fetched, put: Put<'_>) -> Result<Streamed, IngestError> {
    for chunk in fetched.frame.split_chunks() {
        put(chunk)?;
    }
    Ok(Streamed {
        rows: fetched.frame.height(),
        exceptions: fetched.exceptions,
        pages: fetched.pages,
    })
}

impl Source for Q2Client {
    async fn time_cards(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Fetched, IngestError> {
        Q2Client::time_cards(self, &TimeCardQuery::between(from, to)).await
    }

    async fn users(&self) -> Result<Fetched, IngestError> {
        Q2Client::users(self, &UserQuery::all()).await
    }

    async fn time_cards_to(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        spill: &Path,
        put: Put<'_>,
    ) -> Result<Streamed, IngestError> {
        Q2Client::time_cards_to(self, &TimeCardQuery::between(from, to), spill, put).await
    }

    async fn users_to(&self, spill: &Path, put: Put<'_>) -> Result<Streamed, IngestError> {
        Q2Client::users_to(self, &UserQuery::all(), spill, put).await
    }
}
