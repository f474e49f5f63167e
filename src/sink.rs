//! What a run is written to. A run's rows come a part of its users at a
//! time (the whole run is one part; see [`crate::job`]); [`RunWriter`]
//! cuts them into blocks of [`USERS_PER_BLOCK`] summary rows, whatever
//! the parts, and hands each block to the sinks that take rows: the
//! tables ([`TableWriter`]), the run's [`Overview`] and the comparison
//! with the last period. Once every part is in, the sinks that need the
//! whole run stage their files: the two small tables, the review page
//! (from the overview), and each export with its reconciliation. The
//! manifest, which lists every file staged with its SHA-256, comes last
//! ([`crate::job::write_staged`]). A new output is a new sink; nothing
//! upstream changes.

use chrono::{DateTime, Utc};
use payrun_ingest::Exception;
use payrun_rules::{Blocks, PayPeriod, PayrollRun, USERS_PER_BLOCK};

use crate::export::Exported;
use crate::output::{Format, OutputError, Staging, TableWriter};
use crate::overview::Overview;
use crate::review::{Comparing, PageContext};

/// Writes a run's outputs as its parts come; see the module docs.
pub struct RunWriter<'scope> {
    staging: &'scope Staging,
    tables: TableWriter<'scope>,
    blocks: Blocks,
    overview: Overview,
    comparing: Option<Comparing>,
}

/// How the end of a run is written: what the rules gave once every part
/// was computed, and what the page shows beyond the run.
pub struct RunEnd<'a> {
    /// The period's exceptions, sorted.
    pub exceptions: Vec<Exception>,
    /// Whether the period had not ended when its time cards were read.
    pub unfinished: bool,
    /// When the time cards were read.
    pub as_of: DateTime<Utc>,
    /// The payroll-provider exports, by name.
    pub exports: &'a [(String, Exported)],
    /// The page's context; its comparison is filled in when the writer
    /// was given the last period to compare with.
    pub review: &'a mut PageContext,
}

impl<'scope> RunWriter<'scope> {
    /// Begins writing `period` in `formats` into `staging`, the writers of
    /// the long tables running in `scope`; compared with the last period
    /// when `comparing` is given.
    pub fn begin<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        staging: &'scope Staging,
        formats: &[Format],
        period: PayPeriod,
        comparing: Option<Comparing>,
    ) -> Self {
        RunWriter {
            staging,
            tables: TableWriter::begin(scope, staging, formats),
            blocks: Blocks::new(USERS_PER_BLOCK),
            overview: Overview::new(period),
            comparing,
        }
    }

    /// Writes the rows of the next part of the run.
    pub fn add(&mut self, part: &PayrollRun) -> Result<(), OutputError> {
        let RunWriter {
            staging,
            tables,
            blocks,
            overview,
            comparing,
        } = self;
        blocks.cut(part, |block| {
            take_block(staging, tables, overview, comparing, &block)
        })
    }

    /// Writes the last rows, the small tables, the review page and the
    /// exports; returns the run's overview.
    pub fn finish(self, end: RunEnd<'_>) -> Result<Overview, OutputError> {
        let RunWriter {
            staging,
            mut tables,
            blocks,
            mut overview,
            mut comparing,
        } = self;
        blocks.finish(|block| {
            take_block(staging, &mut tables, &mut overview, &mut comparing, &block)
        })?;
        let (_, departments) = tables.finish(&end.exceptions)?;
        overview.finish(end.exceptions, end.unfinished, departments);
        if let Some(comparing) = comparing {
            end.review.compared_with = Some(comparing.finish());
        }
        staging.text(
            crate::output::REVIEW_PAGE,
            &crate::review::review_page(&overview, end.as_of, end.review),
        )?;
        for (_, exported) in end.exports {
            staging.text(&exported.file_name, &exported.csv)?;
            staging.text(&exported.reconcile_file_name, &exported.reconcile_csv)?;
        }
        Ok(overview)
    }
}

/// Hands `block` to the sinks that take rows.
fn take_block(
    staging: &Staging,
    tables: &mut TableWriter<'_>,
    overview: &mut Overview,
    comparing: &mut Option<Comparing>,
    block: &payrun_rules::Block<'_>,
) -> Result<(), OutputError> {
    let frames = block.tables().map_err(|e| OutputError {
        path: staging.dir().join("payroll_summary"),
        message: e.to_string(),
    })?;
    overview.add(block, &frames.payroll_summary);
    if let Some(comparing) = comparing {
        comparing.add(block.rows);
    }
    tables.add(frames)
}
