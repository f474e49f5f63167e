#!/usr/bin/env bash
# Times payrun against the DuckDB and Polars peers on the same files.
#
#   benches/peers/run.sh N [raw]
#
# Generates about N time cards (`payrun sim --dump --mix flsa`: hourly users
# in six zones on the weekly 40 h rule, 16 days around the biweekly period
# 2024-05-12..2024-05-25), typed as `payrun fetch` writes them, or every
# column text as the API sends them with `raw`. Then runs, alternately, 3
# times each: payrun compute (default outputs: its tables as csv and
# parquet, the inputs kept, a manifest of SHA-256s); DuckDB doing the same
# work (duckdb_same_work.py: the weekly FLSA computation, then
# payroll_summary, daily_hours and pay_lines computed by DuckDB itself,
# written as CSV and Snappy Parquet, the two inputs copied, every file
# hashed into a manifest); the FLSA query alone in DuckDB (flsa.sql: one
# small CSV); and polars_peer.py. Prints the median wall time and the
# largest peak RSS of each, the two ratios that count (payrun / DuckDB the
# same work, payrun / DuckDB's query alone), and checks that every user's
# worked hours, overtime hours and gross pay agree with each peer.
#
# Needs a release build (cargo build --release) and `pip install duckdb polars`.
# A manual tool, not part of CI. PAYRUN, DATA and RUNS override the defaults.
set -euo pipefail
n=${1:?usage: run.sh N [raw]}
shape=${2:-typed}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
payrun=${PAYRUN:-${CARGO_TARGET_DIR:-$root/target}/release/payrun}
data=${DATA:-${TMPDIR:-/tmp}/payrun-peers/$n-$shape}
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The flsa mix averages 11.6 time cards per user over these 16 days.
users=$(( n * 10 / 116 ))
if [[ ! -f $data/timecards.parquet ]]; then
  mkdir -p "$data"
  "$payrun" sim --dump "$data" --mix flsa --users "$users" --days 16 --to 2024-05-25 --seed 7 \
    $([[ $shape == raw ]] && echo --raw)
fi
cat > "$work/payrun.toml" <<'TOML'
[pay_period]
frequency = "biweekly"
anchor = "2024-01-07"

[overtime_rules.default]
weekly_ot_after = 40
TOML

cards=$data/timecards.parquet
users_file=$data/users.parquet
declare -A commands=(
  [payrun]="$payrun compute --config $work/payrun.toml --timecards $cards --users $users_file --period 2024-05-12 --out $work/payrun"
  [same]="python3 $here/duckdb_same_work.py $cards $users_file 2024-05-12 $work/same"
  [duckdb]="python3 $here/duckdb_peer.py $cards $users_file 2024-05-12 $work/duckdb.csv"
  [polars]="python3 $here/polars_peer.py $cards $users_file 2024-05-12 $work/polars.csv"
)
tools=(payrun same duckdb polars)
for tool in "${tools[@]}"; do : > "$work/$tool.times"; done
for run in $(seq "$runs"); do
  for tool in "${tools[@]}"; do
    rm -rf "${work:?}/$tool"
    /usr/bin/time -v -o "$work/time.txt" ${commands[$tool]} > /dev/null
    seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$work/time.txt")
    kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    echo "$seconds $kib" >> "$work/$tool.times"
  done
done

count() { python3 -c "import polars as pl, sys; print(pl.scan_parquet(sys.argv[1]).select(pl.len()).collect().item())" "$1"; }
echo "$(count "$cards") time cards ($shape), $(count "$users_file") users, $(nproc) cores, median of $runs runs"
printf '%-8s %10s %14s\n' tool seconds "peak RSS MiB"
for tool in "${tools[@]}"; do
  sort -n "$work/$tool.times" | awk -v tool="$tool" '
    { t[NR] = $1; if ($2 > m) m = $2 }
    END { printf "%-8s %10.2f %14.0f\n", tool, t[int((NR + 1) / 2)], m / 1024 }'
done
median() { sort -n "$work/$1.times" | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'; }
awk -v p="$(median payrun)" -v s="$(median same)" -v q="$(median duckdb)" 'BEGIN {
  printf "payrun / DuckDB the same work: %.2f (target <= 0.33)\n", p / s
  printf "payrun / DuckDB query alone:   %.2f (target <= 1.0)\n", p / q }'
python3 "$here/compare.py" "$work/payrun/payroll_summary.csv" "$work/same/peer.csv" "$work/duckdb.csv" "$work/polars.csv"
