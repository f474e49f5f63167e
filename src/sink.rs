//! What a finished run is written to. A run is computed whole first
//! (every exception decided, the exports' included, and the tables built
//! once: [`crate::job::compute_and_export`]); then each sink reads it and
//! stages its files: the tables in each format, the review page, each
//! export with its reconciliation. The manifest, which lists every file
//! staged with its SHA-256, comes last ([`crate::job::write_staged`]).
//! A new output is a new sink; nothing upstream changes.

use crate::job::Computed;
use crate::output::{Format, OutputError, Staging, stage_report};

/// Something a finished run is written to.
pub trait Sink {
    /// Stages this sink's files of `computed` in `staging`.
    fn stage(&self, staging: &Staging, computed: &Computed) -> Result<(), OutputError>;
}

/// The five tables (`payroll_summary`, `daily_hours`, `department_summary`,
/// `exceptions`, `pay_lines`) in each format.
#[derive(Debug, Clone)]
pub struct Tables {
    /// The formats written.
    pub formats: Vec<Format>,
}

impl Sink for Tables {
    fn stage(&self, staging: &Staging, computed: &Computed) -> Result<(), OutputError> {
        stage_report(staging, &computed.run, &computed.summaries, &self.formats).map(|_| ())
    }
}

/// The review page, `report.html`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReviewPage;

impl Sink for ReviewPage {
    fn stage(&self, staging: &Staging, computed: &Computed) -> Result<(), OutputError> {
        staging.text(
            crate::output::REVIEW_PAGE,
            &crate::review::review_page(
                &computed.run,
                &computed.summaries,
                computed.as_of,
                &computed.review,
            ),
        )?;
        Ok(())
    }
}

/// Each payroll-provider export asked for, `export_NAME.csv`, with its
/// reconciliation `export_NAME.reconcile.csv`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exports;

impl Sink for Exports {
    fn stage(&self, staging: &Staging, computed: &Computed) -> Result<(), OutputError> {
        for (_, exported) in &computed.exports {
            staging.text(&exported.file_name, &exported.csv)?;
            staging.text(&exported.reconcile_file_name, &exported.reconcile_csv)?;
        }
        Ok(())
    }
}

/// The sinks every run writes, in order: the tables in `formats`, the
/// review page, the exports.
pub fn every_sink(formats: &[Format]) -> Vec<Box<dyn Sink + Sync>> {
    vec![
        Box::new(Tables {
            formats: formats.to_vec(),
        }),
        Box::new(ReviewPage),
        Box::new(Exports),
    ]
}
