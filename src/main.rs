//! The `payrun` binary: parse arguments, run one verb, turn errors into one
//! clear line and an exit code (0 written, or nothing to do; 1 nothing
//! written; 2 usage; 3 written but not clean under `--strict`; 4 `payrun
//! diff` found a change).

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// A payroll allocates many small values on several threads at once;
/// mimalloc does that with less time and less fragmentation than the
/// system allocator (a library embedding payrun keeps its own choice).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (v3): milliseconds before memory
/// freed is given back to the system.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory is kept before it is given back (see `main`).
const PURGE_DELAY_MS: std::ffi::c_long = 200;

fn main() -> ExitCode {
    // A payroll frees its input (gigabytes at millions of time cards) before
    // it builds its tables: give freed memory back soon, or the process
    // holds both at its peak; but not at once, or memory freed and taken
    // again moments later is faulted in afresh each time. The delay is the
    // one measured best (docs/performance.md, "Memory").
    // SAFETY: setting an option is always allowed; this one is read when
    // memory is purged, so changing it while running is supported.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    // And back memory with 4 KiB pages, not 2 MiB transparent huge pages: a
    // huge page is given back only once all of it is free, and thousands of
    // blocks freed in no order leave most of them partly used (the peak it
    // saves is in docs/performance.md, "Memory").
    // (What mimalloc's `allow_thp=0` does at start-up, done here because
    // the allocator has started before `main`.) Failure only costs memory.
    // SAFETY: prctl with this option takes integers and touches no memory.
    unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    let args = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(async {
        match args.command {
            cli::Command::Run(a) => cli::run::run(a).await,
            cli::Command::Fetch(a) => cli::fetch::run(a).await.map(|()| cli::Outcome::Written),
            cli::Command::Compute(a) => cli::compute::run(a),
            cli::Command::Demo(a) => cli::demo::run(a).await,
            cli::Command::Sim(a) => cli::sim::run(a).await.map(|()| cli::Outcome::Written),
            cli::Command::Periods(a) => cli::periods::run(a).map(|()| cli::Outcome::Written),
            cli::Command::Packs(a) => cli::packs::run(a).map(|()| cli::Outcome::Written),
            cli::Command::Explain(a) => cli::explain::run(a).map(|()| cli::Outcome::Written),
            cli::Command::Diff(a) => cli::diff::run(a),
        }
    });
    match outcome {
        Ok(cli::Outcome::Written | cli::Outcome::NothingToDo) => ExitCode::SUCCESS,
        Ok(cli::Outcome::Changed) => ExitCode::from(4),
        Ok(cli::Outcome::WrittenWithErrors) => {
            eprintln!(
                "the payroll is not clean (see exceptions.csv and the status column of \
                 payroll_summary); exiting with 3 as --strict asks"
            );
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::from(1)
        }
    }
}

/// An error and its causes in one line, each said once: a cause whose text
/// its parent already quotes (an OS error inside a file error) is skipped.
fn one_line(e: &anyhow::Error) -> String {
    let mut line = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line
}
