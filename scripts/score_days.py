#!/usr/bin/env python3
"""Judges the detector on days it was never developed on, through the CLI a user runs.

For each seed, `spendtop bench-anomaly --write-day` writes the day (JSONL) and its labels; the day is then read
as a user's file would be, `spendtop export DAY.jsonl --view alerts --window all`, and the CSV is matched
against the labels by the suite's own rule (an alert names the incident's target among its scopes and starts
between the incident's start and its end plus 10 minutes; on time within 5 minutes, 15 for slow ramps).
Any seeds work: the defaults are ones no session tuned on (the suite's tuned seeds are 1-40 and 101-124, the
held-out ones 1001-1040 and 2001-2024). Usage:

    scripts/score_days.py --bin .build/release/spendtop --incident-seeds 5001-5020 --clean-seeds 6001-6020
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

GRACE_MIN = 10


def deadline(kind):
    return 15 if kind == "slow_ramp" else 5


def seeds(text):
    out = []
    for part in filter(None, text.split(",")):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def ms(stamp):
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


def judge_day(binary, seed, clean, work):
    """(labels, alerts) of one day, each alert as (start ms, scopes, reason)."""
    args = [binary, "bench-anomaly", "--write-day", work, "--seed", str(seed)] + (["--clean"] if clean else [])
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stem = os.path.join(work, f"day-{seed}" + ("-clean" if clean else ""))
    day, labels = stem + ".jsonl", stem + ".labels.jsonl"
    with open(labels) as f:
        incidents = [json.loads(line) for line in f if line.strip()]
    out = subprocess.run([binary, "export", day, "--view", "alerts", "--window", "all"], check=True,
                         capture_output=True, text=True).stdout
    alerts = []
    for row in csv.DictReader(out.splitlines()):
        if row["kind"] == "budget":
            continue
        scopes = [s.strip() for s in (row.get("scopes") or row["scope"]).split(";")]
        alerts.append((ms(row["started"]), scopes, row["reason"]))
    for p in (day, labels):
        os.remove(p)
    return incidents, alerts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--incident-seeds", default="5001-5020")
    ap.add_argument("--clean-seeds", default="6001-6020")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    days = [(s, False) for s in seeds(a.incident_seeds)] + [(s, True) for s in seeds(a.clean_seeds)]
    with tempfile.TemporaryDirectory(prefix="spendtop-days-") as work:
        def one(d):
            folder = os.path.join(work, str(d[0]))
            os.mkdir(folder)
            return judge_day(a.bin, d[0], d[1], folder)
        with ThreadPoolExecutor(a.jobs) as pool:
            results = list(pool.map(one, days))
    kinds = defaultdict(lambda: {"n": 0, "found": 0, "on_time": 0, "delays": []})
    false_alerts, false_clean, notes = 0, 0, []
    for (seed, clean), (incidents, alerts) in zip(days, results):
        def within(al, inc):
            return ms(inc["start"]) <= al[0] <= ms(inc["end"]) + GRACE_MIN * 60_000
        for inc in incidents:
            k = kinds[inc["kind"]]
            k["n"] += 1
            hits = [al[0] for al in alerts if within(al, inc) and inc["target"] in al[1]]
            if hits:
                d = (min(hits) - ms(inc["start"])) / 60_000
                k["found"] += 1
                k["delays"].append(d)
                if d <= deadline(inc["kind"]):
                    k["on_time"] += 1
                else:
                    notes.append(f"late {d:.0f} min: seed {seed} {inc['start']} {inc['kind']} {inc['target']}")
            else:
                notes.append(f"missed: seed {seed} {inc['start']} {inc['kind']} size {inc['size']} {inc['target']}")
        for al in alerts:
            if any(within(al, inc) and inc["target"] in al[1] for inc in incidents):
                continue
            false_alerts += 1
            false_clean += clean
            notes.append(f"false: seed {seed} {al[2]}")
    print(f"days: incident seeds {a.incident_seeds}, clean seeds {a.clean_seeds} (via `export --view alerts`)")
    print(f"{'kind':16s} {'incidents':>9s} {'found':>6s} {'on time':>8s} {'recall':>7s} {'median':>7s} {'p90':>6s}")
    total = on_time = 0
    for kind in sorted(kinds):
        k = kinds[kind]
        total += k["n"]
        on_time += k["on_time"]
        ds = sorted(k["delays"])
        med = f"{statistics.median(ds):.1f}" if ds else "-"
        p90 = f"{ds[min(len(ds) - 1, int(0.9 * len(ds)))]:.1f}" if ds else "-"
        print(f"{kind:16s} {k['n']:9d} {k['found']:6d} {k['on_time']:8d} {100 * k['on_time'] / k['n']:6.1f}% "
              f"{med:>7s} {p90:>6s}")
    clean_days = sum(1 for _, c in days if c)
    print(f"all: {on_time}/{total} on time ({100 * on_time / max(1, total):.1f}%); false alerts {false_alerts}, "
          f"{false_clean} on {clean_days} clean days ({10 * false_clean / max(1, clean_days):.2f} per 10 clean days)")
    if a.verbose:
        print("\n".join(notes))


if __name__ == "__main__":
    sys.exit(main())
