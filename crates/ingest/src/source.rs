//! Where a payroll's records come from (design §2): every user, and the
//! time cards whose `inDateTime` falls in a range, each typed with the
//! exceptions found reading them. The batch job asks a [`Source`];
//! [`Q2Client`] is the one that reads the Q2 API, and another (a
//! database, a different time clock) needs only these two methods.

use std::future::Future;

use chrono::NaiveDateTime;

use crate::client::{Fetched, IngestError, Q2Client, TimeCardQuery, UserQuery};

/// A source of users and time cards.
pub trait Source {
    /// The time cards whose `inDateTime` is from `from` to `to`, inclusive.
    fn time_cards(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> impl Future<Output = Result<Fetched, IngestError>> + Send;

    /// Every user, whatever their role (inactive ones included: the rules
    /// decide who is in a payroll).
    fn users(&self) -> impl Future<Output = Result<Fetched, IngestError>> + Send;
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
}
