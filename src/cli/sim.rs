//! `payrun sim`: serve a simulated company until stopped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use payrun::q2sim::generate::{DEFAULT_COMPANY_ID, DEFAULT_TOKEN, GeneratorConfig};
use payrun::q2sim::{Company, Faults, Simulator};

/// Arguments of `payrun sim`.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
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
    /// Delay added to every response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
}

pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    let company = match &args.data {
        Some(dir) => Company::load_dir(dir)?,
        None => {
            let to = args.to.unwrap_or_else(|| chrono::Local::now().date_naive());
            let from = args.from.unwrap_or(to - chrono::Duration::days(400));
            Company::generate(&GeneratorConfig {
                seed: args.seed,
                users: args.users,
                from,
                to,
                company_id: DEFAULT_COMPANY_ID.into(),
                token: DEFAULT_TOKEN.into(),
            })
        }
    };
    let faults = Faults {
        error_rate: args.error_rate,
        rate_limit_rate: args.rate_limit_rate,
        retry_after_secs: args.retry_after,
        truncate_rate: args.truncate_rate,
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
