//! Progress on a terminal: a bar for fetching, a spinner for computing.
//! Nothing is drawn when standard error is not a terminal (a scheduler's log).

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use payrun::ingest::RecordType;
use payrun::ingest::client::FetchEvent;

fn drawn(template: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// A fetch progress bar and the observer that moves it.
pub fn fetching() -> (ProgressBar, impl Fn(FetchEvent) + Send + Sync + 'static) {
    let bar = drawn("fetching  {bar:30} {pos}/{len} windows, {msg} ({elapsed})");
    let records = Arc::new(AtomicUsize::new(0));
    let observer = {
        let bar = bar.clone();
        move |event: FetchEvent| match event {
            FetchEvent::WindowDone { done, total } => {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }
            FetchEvent::Page {
                record_type: RecordType::TimeCard,
                records: n,
            } => {
                let total = records.fetch_add(n, Ordering::Relaxed) + n;
                bar.set_message(format!("{total} time cards"));
            }
            FetchEvent::Page { .. } => {}
        }
    };
    (bar, observer)
}

/// A spinner for a step without a known length.
pub fn working(message: &'static str) -> ProgressBar {
    let bar = drawn("{spinner} {msg} ({elapsed})");
    bar.set_message(message);
    bar
}
