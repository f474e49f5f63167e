"""Checks that every user's figures agree: compare.py PAYRUN_SUMMARY.csv PEER.csv...

Each peer file has user_name, worked_hundredths, overtime_hundredths and
gross_cents; payrun's payroll_summary.csv has worked_hours, overtime_hours
and gross_pay with two decimals. A user with no worked time may be missing
from a peer (a query has no row for them) but then payrun must show zeros.
Exit status 1 and the first differences on any disagreement.
"""
import csv
import sys


def hundredths(text):
    units, _, fraction = text.partition(".")
    sign = -1 if units.startswith("-") else 1
    return sign * (abs(int(units)) * 100 + int((fraction + "00")[:2]))


def main():
    payrun = {}
    with open(sys.argv[1], newline="") as f:
        for row in csv.DictReader(f):
            payrun[row["user_name"]] = (
                hundredths(row["worked_hours"]),
                hundredths(row["overtime_hours"]),
                hundredths(row["gross_pay"]),
            )
    failed = False
    for path in sys.argv[2:]:
        peer = {}
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                peer[row["user_name"]] = tuple(
                    int(row[k]) for k in ("worked_hundredths", "overtime_hundredths", "gross_cents")
                )
        differ = [
            (name, figures, peer.get(name))
            for name, figures in payrun.items()
            if peer.get(name, (0, 0, 0)) != figures
        ]
        differ += [(name, None, peer[name]) for name in peer if name not in payrun]
        agreeing = len(payrun) - len(differ)
        print(f"{path}: {agreeing} of {len(payrun)} users agree, {len(differ)} differ")
        for name, ours, theirs in differ[:10]:
            print(f"  {name}: payrun {ours} peer {theirs} (worked, overtime in 0.01 h; gross in cents)")
        failed |= bool(differ)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
