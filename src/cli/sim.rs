//! `payrun sim`: serve a simulated company until stopped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use payrun::q2sim::generate::{DEFAULT_COMPANY_ID, DEFAULT_TOKEN, GeneratorConfig, Mix};
use payrun::q2sim::{Company, Faults, Simulator};

/// Arguments of `payrun sim`.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Address to listen on (loopback unless --public).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Allow an --addr that is not loopback (the simulator then serves
    /// its test credentials to the network).
    #[arg(long)]
    pub public: bool,
    /// Seed of the generated company.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of users.
    #[arg(long, default_value_t = 50)]
    pub users: usize,
    /// First date with time cards [default: 400 days before --to].
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last date with time cards [default: today].
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Serve the JSON files in this directory instead of a generated company.
    #[arg(long, conflicts_with_all = ["seed", "users", "from", "to"])]
    pub data: Option<PathBuf>,
    /// Share of requests answered with HTTP 500.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Share of requests answered with HTTP 429.
    #[arg(long, default_value_t = 0.0)]
    pub rate_limit_rate: f64,
    /// Retry-After sent with each 429, in seconds.
    #[arg(long, default_value_t = 1)]
    pub retry_after: u64,
    /// Share of responses cut short.
    #[arg(long, default_value_t = 0.0)]
    pub truncate_rate: f64,
    /// Share of requests for a later page during which records before the
    /// cursor move (one deleted or inserted), as when time cards are edited
    /// while a client pages through them.
    #[arg(long, default_value_t = 0.0)]
    pub drift_rate: f64,
    /// Delay added to every response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Write the generated company as timecards.parquet and users.parquet
    /// into this directory (typed, as `payrun fetch` writes them) and exit:
    /// data at scale without HTTP.
    #[arg(long, conflicts_with = "data")]
    pub dump: Option<PathBuf>,
    /// With --dump: every column a string, as the API sends it.
    #[arg(long, requires = "dump")]
    pub raw: bool,
    /// Which users and time cards to generate: `full` (every case payroll
    /// must handle), `jurisdictions` (`full` plus Colorado and California
    /// users with meals and a flat-sum bonus; rules `co` and `ca`, see
    /// data/payrun.demo-jurisdictions.toml) or `flsa` (hourly users on the
    /// weekly rule with complete job entries only, as a plain weekly FLSA
    /// query models).
    #[arg(long, default_value = "full")]
    pub mix: Mix,
    /// Days of time cards up to --to (instead of --from).
    #[arg(long, conflicts_with = "from")]
    pub days: Option<i64>,
}

pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    if args.dump.is_none() && !args.public && !args.addr.ip().is_loopback() {
        anyhow::bail!(
            "--addr {} is not loopback: the simulator would answer the network; \
             use 127.0.0.1 or ::1, or --public if you mean it",
            args.addr
        );
    }
    let generated = |to: Option<NaiveDate>| {
        let to = to.unwrap_or_else(|| chrono::Local::now().date_naive());
        let back = |days: i64| {
            chrono::Duration::try_days(days)
                .and_then(|d| to.checked_sub_signed(d))
                .ok_or_else(|| {
                    anyhow::anyhow!("{days} days before {to} is before any date payrun can hold")
                })
        };
        let from = match args.days {
            Some(days) => back(days.max(1) - 1)?,
            None => match args.from {
                Some(from) => from,
                None => back(400)?,
            },
        };
        anyhow::Ok(GeneratorConfig {
            seed: args.seed,
            users: args.users,
            from,
            to,
            company_id: DEFAULT_COMPANY_ID.into(),
            token: DEFAULT_TOKEN.into(),
            mix: args.mix,
        })
    };
    if let Some(dir) = &args.dump {
        let (cards, users) = payrun::dump::dump(dir, &generated(args.to)?, args.raw)?;
        println!(
            "wrote {cards} time cards and {users} users{} into {}",
            if args.raw { " (every column text)" } else { "" },
            dir.display()
        );
        return Ok(());
    }
    let company = match &args.data {
        Some(dir) => Company::load_dir(dir)?,
        None => Company::generate(&generated(args.to)?),
    };
    let faults = Faults {
        error_rate: args.error_rate,
        rate_limit_rate: args.rate_limit_rate,
        retry_after_secs: args.retry_after,
        truncate_rate: args.truncate_rate,
        drift_rate: args.drift_rate,
        latency: Duration::from_millis(args.latency_ms),
        seed: args.seed,
        ..Faults::none()
    };
    let (users, cards) = (company.users.len(), company.time_cards.len());
    let (id, token) = (company.id.clone(), company.token.clone());
    let span = company
        .time_cards
        .first()
        .zip(company.time_cards.last())
        .map(|(a, b)| {
            format!(
                " from {} to {}",
                &a.in_date_time[..10.min(a.in_date_time.len())],
                &b.in_date_time[..10.min(b.in_date_time.len())]
            )
        })
        .unwrap_or_default();
    let sim = Simulator::start_on(args.addr, company, faults).await?;
    println!("payrun-q2sim: {users} users and {cards} time cards{span}");
    println!("endpoint: {}", sim.url());
    println!("These are the simulator's own test credentials:");
    println!(
        "  export OTC_BASE_URL={} OTC_COMPANY_ID={id} OTC_DEVELOPER_TOKEN={token}",
        sim.url()
    );
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    sim.stop().await;
    Ok(())
}
