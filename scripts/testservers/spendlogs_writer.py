#!/usr/bin/env python3
"""Writes LiteLLM_SpendLogs rows into a SQLite file over time, as the LiteLLM proxy would.

    spendlogs_writer.py --db PATH --fixture ROWS.jsonl --rows N [--start 0] [--batch 50] [--pause 0.02]

Creates the table from the fixture's columns when missing, inserts N rows (fixture rows cycled,
each with its own request_id and spend) in committed batches, and prints the total spend
and row count as JSON on stdout when done.
"""
import argparse
import json
import sqlite3
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--rows", type=int, default=500)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--pause", type=float, default=0.02)
    ap.add_argument("--start", type=int, default=0, help="first row number (request ids spendlog-START…)")
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.fixture) if l.strip()]
    cols = list(rows[0].keys())
    db = sqlite3.connect(a.db)
    db.execute('CREATE TABLE IF NOT EXISTS "LiteLLM_SpendLogs" (%s)' % ", ".join('"%s"' % c for c in cols))
    db.commit()
    total = 0.0
    for i in range(a.start, a.start + a.rows):
        r = dict(rows[i % len(rows)])
        r["request_id"] = f"spendlog-{i}"
        r["spend"] = round(0.001 * (1 + i % 17), 6)
        total += r["spend"]
        vals = [json.dumps(r[c]) if isinstance(r[c], (dict, list)) else r[c] for c in cols]
        db.execute('INSERT INTO "LiteLLM_SpendLogs" VALUES (%s)' % ",".join("?" * len(cols)), vals)
        if (i - a.start + 1) % a.batch == 0:
            db.commit()
            time.sleep(a.pause)
    db.commit()
    db.close()
    print(json.dumps({"rows": a.rows, "spend": total}), flush=True)


if __name__ == "__main__":
    main()
