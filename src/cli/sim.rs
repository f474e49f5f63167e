//! `payrun sim`: serve a simulated company until stopped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use payrun::ingest::{RecordType, decode_records};
use payrun::q2sim::generate::{DEFAULT_COMPANY_ID, DEFAULT_TOKEN, Generator, GeneratorConfig, Mix};
use payrun::q2sim::{Company, Faults, Simulator};
use polars::prelude::*;

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
    /// must handle) or `flsa` (hourly users on the weekly rule with
    /// complete job entries only, as a plain weekly FLSA query models).
    #[arg(long, default_value = "full")]
    pub mix: Mix,
    /// Days of time cards up to --to (instead of --from).
    #[arg(long, conflicts_with = "from")]
    pub days: Option<i64>,
}

/// Users generated per step of `--dump`, so memory stays flat at any size.
const DUMP_USERS: usize = 20_000;

/// A Parquet file written a batch of JSON records at a time.
struct Dump {
    writer: polars::io::parquet::write::BatchedWriter<std::fs::File>,
    record_type: RecordType,
    raw: bool,
    written: usize,
}

impl Dump {
    fn create(path: &std::path::Path, record_type: RecordType, raw: bool) -> anyhow::Result<Self> {
        let file = std::fs::File::create(path)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        let schema = if raw {
            record_type
                .fields()
                .iter()
                .map(|f| Field::new(f.name.into(), DataType::String))
                .collect()
        } else {
            record_type.schema()
        };
        Ok(Dump {
            writer: ParquetWriter::new(file).batched(&schema)?,
            record_type,
            raw,
            written: 0,
        })
    }

    /// Writes `records` (JSON object texts), decoded as `payrun fetch`
    /// decodes them (or as text with --raw).
    fn write(&mut self, records: &[String]) -> anyhow::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let frame = if self.raw {
            raw_frame(records, self.record_type)?
        } else {
            decode_records(
                format!("[{}]", records.join(",")).as_bytes(),
                self.record_type,
            )
            .map_err(|e| anyhow::anyhow!("{}", e.0))?
            .frame
        };
        self.writer.write_batch(&frame)?;
        self.written += records.len();
        Ok(())
    }

    fn finish(self) -> anyhow::Result<usize> {
        self.writer.finish()?;
        Ok(self.written)
    }
}

/// Writes the company of `config` into `dir` a day and a slice of users at
/// a time (time cards in API order within each slice), two slices at once.
fn dump(dir: &std::path::Path, config: &GeneratorConfig, raw: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let generator = Generator::new(config);
    let mut users = Dump::create(&dir.join("users.parquet"), RecordType::User, raw)?;
    for chunk in generator.users().chunks(DUMP_USERS) {
        users.write(&chunk.iter().map(|u| u.json.to_string()).collect::<Vec<_>>())?;
    }
    let users = users.finish()?;
    let mut cards = Dump::create(&dir.join("timecards.parquet"), RecordType::TimeCard, raw)?;
    let slices: Vec<_> = (0..config.users)
        .step_by(DUMP_USERS)
        .map(|start| start..(start + DUMP_USERS).min(config.users))
        .collect();
    for date in generator.dates() {
        for pair in slices.chunks(2) {
            let batches: Vec<Vec<String>> = std::thread::scope(|scope| {
                let handles: Vec<_> = pair
                    .iter()
                    .map(|range| scope.spawn(|| generator.cards_on(date, range.clone())))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_default())
                    .collect()
            });
            for batch in &batches {
                cards.write(batch)?;
            }
        }
    }
    cards.write(&generator.special_cards())?;
    let cards = cards.finish()?;
    println!(
        "wrote {cards} time cards and {users} users{} into {}",
        if raw { " (every column text)" } else { "" },
        dir.display()
    );
    Ok(())
}

/// Records as the API sends them: each field's text, numbers as written.
fn raw_frame(records: &[String], record_type: RecordType) -> anyhow::Result<DataFrame> {
    let fields = record_type.fields();
    let mut columns: Vec<Vec<Option<String>>> =
        vec![Vec::with_capacity(records.len()); fields.len()];
    for record in records {
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(record)?;
        for (field, column) in fields.iter().zip(&mut columns) {
            column.push(object.get(field.name).and_then(|v| match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            }));
        }
    }
    let columns = fields
        .iter()
        .zip(columns)
        .map(|(f, values)| Column::new(f.name.into(), values))
        .collect();
    Ok(DataFrame::new(records.len(), columns)?)
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
        let from = match args.days {
            Some(days) => to - chrono::Duration::days(days.max(1) - 1),
            None => args.from.unwrap_or(to - chrono::Duration::days(400)),
        };
        GeneratorConfig {
            seed: args.seed,
            users: args.users,
            from,
            to,
            company_id: DEFAULT_COMPANY_ID.into(),
            token: DEFAULT_TOKEN.into(),
            mix: args.mix,
        }
    };
    if let Some(dir) = &args.dump {
        return dump(dir, &generated(args.to), args.raw);
    }
    let company = match &args.data {
        Some(dir) => Company::load_dir(dir)?,
        None => Company::generate(&generated(args.to)),
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
