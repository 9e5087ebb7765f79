#!/usr/bin/env python3
"""spendtop benchmark against the SPEC §11 targets (run by `make bench`).

    bench.py --bin PATH [--events 1000000] [--data-dir bench-data] [--runs 3] [--only export,live]

Each section is one function in SECTIONS: it measures, prints a short report and returns its
figures, which are appended as one JSON line to DATA_DIR/results.jsonl. Exit codes: 0 when
measured (a missed target is reported, not failed); 1 when spendtop fails or its sums differ
from the reference; 2 when a tool is missing or the arguments are wrong.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import importlib.util
import json
import math
import os
import platform
import re
import resource
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))
import gen_events  # noqa: E402  (sits beside this script)
import bench_promql  # noqa: E402  (the promql section; skips itself without prometheus)

# The bench file: fixed so that runs on different days and machines read the same bytes.
GEN_ARGS = dict(seed=42, start="2026-11-27T00:00:00Z", span_hours=24.0)

# SPEC §11
TARGET_RATIO = 1.0
TARGET_RSS_MB = 200.0
SPEND_REL_TOL = 1e-6


class BenchError(Exception):
    """spendtop failed or disagreed with the reference: exit 1."""


# ---------------------------------------------------------------- measuring


def _time_v_works() -> bool:
    # GNU time prints "Maximum resident set size"; BSD/macOS /usr/bin/time has no -v.
    try:
        p = subprocess.run(["/usr/bin/time", "-v", "true"], capture_output=True, text=True)
    except OSError:
        return False
    return p.returncode == 0 and "Maximum resident set size" in p.stderr


USE_TIME_V = _time_v_works()   # the probe is a child too: run it before anything we measure
RSS_RE = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")


@dataclass
class Run:
    wall_s: float
    rss_mb: float | None
    stdout: str


def run_measured(cmd: list[str], env: dict | None = None) -> Run:
    """Run cmd once; wall time with perf_counter, peak RSS from GNU time or getrusage."""
    full = ["/usr/bin/time", "-v", *cmd] if USE_TIME_V else cmd
    t0 = time.perf_counter()
    p = subprocess.run(full, capture_output=True, text=True, env=None if env is None else {**os.environ, **env})
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        tail = "\n".join(line for line in p.stderr.splitlines() if not line.startswith("\t"))[-2000:]
        raise BenchError(f"{' '.join(cmd)} exited with {p.returncode}:\n{tail}")
    if USE_TIME_V:
        m = RSS_RE.search(p.stderr)
        rss = int(m.group(1)) / 1024 if m else None
    else:
        # The largest RSS of any child so far: exact only while the measured command is the
        # biggest child yet, which holds because spendtop runs before DuckDB.
        ru = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        rss = ru / (1024 * 1024) if sys.platform == "darwin" else ru / 1024   # bytes vs KB
    return Run(wall, rss, p.stdout)


def best_of(runs: int, cmd: list[str], before=None, env: dict | None = None) -> tuple[Run, list[Run]]:
    """Best wall time of `runs` runs; the peak RSS reported is the largest seen."""
    all_runs = []
    for _ in range(runs):
        if before:
            before()
        all_runs.append(run_measured(cmd, env))
    return _best(all_runs), all_runs


def _best(all_runs: list[Run]) -> Run:
    best = min(all_runs, key=lambda r: r.wall_s)
    rss = [r.rss_mb for r in all_runs if r.rss_mb is not None]
    return Run(best.wall_s, max(rss) if rss else None, best.stdout)


def interleaved(runs: int, commands: list[tuple]) -> list[tuple[Run, list[Run]]]:
    """`best_of` for several (cmd, before, env), taken in turn round after round: a slow stretch of a shared
    VM then falls on the reference and on spendtop alike instead of on whichever ran in it. Without GNU time
    the peak RSS comes from getrusage (the largest child so far), which needs spendtop's commands listed, and
    run, before DuckDB's: then each command's runs one after the other."""
    if not USE_TIME_V:
        return [best_of(runs, cmd, before=before, env=env) for cmd, before, env in commands]
    results: list[list[Run]] = [[] for _ in commands]
    for _ in range(runs):
        for k, (cmd, before, env) in enumerate(commands):
            if before:
                before()
            results[k].append(run_measured(cmd, env))
    return [(_best(r), r) for r in results]


# ---------------------------------------------------------------- bench data


def count_label(n: int) -> str:
    for unit, div in (("m", 1_000_000), ("k", 1_000)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return str(n)


def ensure_events(data_dir: Path, n_events: int) -> Path:
    """The bench file, regenerated when missing, of the wrong size, or made by other settings.

    A sidecar .meta.json records the generator's settings, a hash of its source and the size it
    wrote; a file that does not match it (truncated copy, older generator) is rebuilt.
    """
    path = data_dir / f"events-{count_label(n_events)}.jsonl"
    meta_path = path.with_suffix(".meta.json")
    want = dict(GEN_ARGS, events=n_events,
                generator=hashlib.sha256((SCRIPTS / "gen_events.py").read_bytes()).hexdigest()[:16])
    if path.exists() and meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except ValueError:
            meta = {}
        if meta == dict(want, bytes=path.stat().st_size):
            return path
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"generating {path} ({n_events:,} events, seed {GEN_ARGS['seed']}) ...", flush=True)
    t0 = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    size = gen_events.write_file(str(tmp), n_events, **GEN_ARGS)
    tmp.replace(path)
    meta_path.write_text(json.dumps(dict(want, bytes=size)) + "\n")
    print(f"  {size / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s")
    return path


# ---------------------------------------------------------------- reference and comparison


@dataclass(frozen=True)
class FeatureRow:
    spend_usd: float
    requests: int
    input_tokens: int
    output_tokens: int


# Runs in its own interpreter so that its start-up is counted, as spendtop's is (PERF.md).
DUCKDB_SCRIPT = r"""
import json, sys, duckdb
con = duckdb.connect()
con.execute(f"SET threads={int(sys.argv[2])}")
con.execute("SET enable_progress_bar=false")  # on a long read it is printed to stdout
path = sys.argv[1].replace("'", "''")
rows = con.execute(
    "SELECT feature, sum(cost_usd), count(*), sum(input_tokens), sum(output_tokens) "
    f"FROM read_json('{path}', format='newline_delimited', columns={{'feature':'VARCHAR',"
    "'cost_usd':'DOUBLE','input_tokens':'BIGINT','output_tokens':'BIGINT'}) GROUP BY feature"
).fetchall()
print(json.dumps(rows))
"""


def duckdb_rows(run: Run) -> dict:
    return {f: FeatureRow(float(s or 0), int(n), int(i or 0), int(o or 0)) for f, s, n, i, o in json.loads(run.stdout)}


def _exact_int(text: str) -> int:
    """'1234' or '1234.0' → 1234; anything fractional is an error, not silently truncated."""
    d = Decimal(text.strip())
    if d != d.to_integral_value():
        raise ValueError(f"not an integer: {text!r}")
    return int(d)


def read_spendtop_csv(path: Path) -> dict[str, FeatureRow]:
    """spendtop's `--view features` CSV: header row, first column `feature`."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        need = ["spend_usd", "requests", "input_tokens", "output_tokens"]
        if not header or header[0] != "feature" or any(c not in header for c in need):
            raise BenchError(f"{path}: header {header!r} lacks feature first or one of {need}")
        col = {name: header.index(name) for name in need}
        rows: dict[str, FeatureRow] = {}
        for line_no, rec in enumerate(reader, 2):
            if not rec:
                continue
            try:
                row = FeatureRow(float(rec[col["spend_usd"]]), _exact_int(rec[col["requests"]]),
                                 _exact_int(rec[col["input_tokens"]]), _exact_int(rec[col["output_tokens"]]))
            except (IndexError, ValueError, InvalidOperation) as e:
                raise BenchError(f"{path}:{line_no}: {e}: {rec}")
            if rec[0] in rows:
                raise BenchError(f"{path}:{line_no}: feature {rec[0]!r} appears twice")
            rows[rec[0]] = row
    return rows


def compare_features(spendtop: dict, reference: dict, rel_tol: float = SPEND_REL_TOL) -> list[str]:
    """Differences between spendtop's rows and the reference: same features, requests and token
    sums exactly equal, spend within rel_tol relative. Empty when they agree."""
    diffs = []
    for name in sorted(set(spendtop) | set(reference), key=str):
        a, b = spendtop.get(name), reference.get(name)
        if a is None or b is None:
            diffs.append(f"{name!r}: only in {'DuckDB' if a is None else 'spendtop'}: {a or b}")
            continue
        bad = [f for f in ("requests", "input_tokens", "output_tokens") if getattr(a, f) != getattr(b, f)]
        if not math.isclose(a.spend_usd, b.spend_usd, rel_tol=rel_tol, abs_tol=1e-9):
            bad.append("spend_usd")
        if bad:
            diffs.append(f"{name!r}: {', '.join(bad)} differ\n    spendtop {a}\n    DuckDB   {b}")
    return diffs


# ---------------------------------------------------------------- sections


# Issue 12: on every core, export within these fractions of DuckDB's wall time (threads=2, threads=1).
TARGET_VS_DUCKDB2 = 0.67
TARGET_VS_DUCKDB1 = 0.4


def section_export(args) -> dict:
    """SPEC §11 and issue 12: headless export vs DuckDB (threads=1 and 2), on one thread and on all; peak RSS."""
    events = ensure_events(args.data_dir, args.events)
    size = events.stat().st_size
    out_csv = args.data_dir / "spendtop-features.csv"
    out_csv1 = args.data_dir / "spendtop-features-1thread.csv"
    cmd = [args.bin, "export", str(events), "--view", "features", "--window", "all", "-o", str(out_csv)]
    cmd1 = [*cmd[:-1], str(out_csv1)]
    cores = os.cpu_count() or 1
    duck = [sys.executable, "-c", DUCKDB_SCRIPT, str(events)]
    # a CSV left by an older build must not pass the comparison
    # spendtop's two reads first: the fallback without GNU time needs them before DuckDB (see `interleaved`)
    (st, st_runs), (st1, st1_runs), (dk2, dk2_runs), (dk, dk_runs) = interleaved(args.runs, [
        (cmd, lambda: out_csv.unlink(missing_ok=True), None),
        (cmd1, lambda: out_csv1.unlink(missing_ok=True), {"SPENDTOP_THREADS": "1"}),
        ([*duck, "2"], None, None), ([*duck, "1"], None, None)])
    ref = duckdb_rows(dk)
    diffs = compare_features(read_spendtop_csv(out_csv), ref)
    diffs += [f"one thread: {d}" for d in compare_features(read_spendtop_csv(out_csv1), ref)]
    out_csv1.unlink(missing_ok=True)

    ratio = dk.wall_s / st1.wall_s      # speed ratio = inverse ratio of wall times, same file
    vs2, vs1 = st.wall_s / dk2.wall_s, st.wall_s / dk.wall_s   # wall-time fractions (issue 12)
    peak = max(r for r in (st.rss_mb, st1.rss_mb) if r is not None) if (st.rss_mb or st1.rss_mb) else None
    rss_ok = peak is not None and peak <= TARGET_RSS_MB
    mb = size / 1e6

    def line(label, run, runs, extra=""):
        walls = " ".join(f"{r.wall_s:.3f}" for r in runs)
        rss = f"  peak RSS {run.rss_mb:.1f} MB" if run.rss_mb is not None else ""
        print(f"  {label:<22} {run.wall_s:7.3f} s  {_rate(args.events / run.wall_s)} events/s  "
              f"{mb / run.wall_s:6.1f} MB/s{rss}{extra}   (runs: {walls})")

    print(f"\nexport: {args.events:,} events, {events} ({mb:.1f} MB), {cores} cores")
    line(f"spendtop ({cores} threads)", st, st_runs)
    line("spendtop (1 thread)", st1, st1_runs)
    line("DuckDB threads=1", dk, dk_runs)
    line("DuckDB threads=2", dk2, dk2_runs)
    print(f"  one thread: speed ratio (spendtop / DuckDB threads=1) = {ratio:.2f}×")
    print(f"  all cores: wall / DuckDB threads=2 wall = {vs2:.2f} (issue 12: ≤ {TARGET_VS_DUCKDB2}); "
          f"wall / DuckDB threads=1 wall = {vs1:.2f} (≤ {TARGET_VS_DUCKDB1})")
    if diffs:
        print(f"  sums: MISMATCH with DuckDB in {len(diffs)} feature(s):")
        for d in diffs:
            print("    " + d)
    else:
        print(f"  sums: {len(ref)} features match DuckDB on both runs (requests and tokens exact, spend within {SPEND_REL_TOL:g})")
    missed = ([f"one-thread ratio {ratio:.2f}× < {TARGET_RATIO}×"] if ratio < TARGET_RATIO else []) + \
             ([f"{vs2:.2f} of DuckDB threads=2 > {TARGET_VS_DUCKDB2}"] if vs2 > TARGET_VS_DUCKDB2 else []) + \
             ([f"{vs1:.2f} of DuckDB threads=1 > {TARGET_VS_DUCKDB1}"] if vs1 > TARGET_VS_DUCKDB1 else []) + \
             ([] if rss_ok else [f"peak RSS {peak} MB > {TARGET_RSS_MB:.0f} MB"])
    print(f"  verdict: {'MISS: ' + '; '.join(missed) if missed else 'PASS'} "
          f"(SPEC §11: one thread ≥ {TARGET_RATIO}× DuckDB threads=1; issue 12: the fractions above; "
          f"peak RSS ≤ {TARGET_RSS_MB:.0f} MB)")
    return dict(events=args.events, file_bytes=size, cores=cores,
                spendtop_wall_s=round(st.wall_s, 4), spendtop_walls=[round(r.wall_s, 4) for r in st_runs],
                spendtop_events_per_s=round(args.events / st.wall_s), spendtop_mb_per_s=round(mb / st.wall_s, 1),
                spendtop_1thread_wall_s=round(st1.wall_s, 4),
                peak_rss_mb=None if st.rss_mb is None else round(st.rss_mb, 1),
                peak_rss_1thread_mb=None if st1.rss_mb is None else round(st1.rss_mb, 1),
                duckdb_wall_s=round(dk.wall_s, 4), duckdb_walls=[round(r.wall_s, 4) for r in dk_runs],
                duckdb2_wall_s=round(dk2.wall_s, 4),
                duckdb_events_per_s=round(args.events / dk.wall_s), ratio=round(ratio, 3),
                vs_duckdb2=round(vs2, 3), vs_duckdb1=round(vs1, 3),
                target_met=not missed, sums_match=not diffs, mismatches=diffs)


TARGET_LIVE_EVENTS_PER_S = 50_000


def section_live(args) -> dict:
    """SPEC §11 live: a writer appends the bench events to a file at full speed while
    `spendtop check --follow` ingests it with the store on; sustained events/s and store size."""
    events = ensure_events(args.data_dir, args.events)
    counted = subprocess.run([args.bin, "check", str(events)], capture_output=True, text=True)
    if counted.returncode != 0:
        raise BenchError(f"spendtop check {events} exited with {counted.returncode}: {counted.stderr[-500:]}")
    m = re.search(r"^total\n  events +(\d+)", counted.stdout, re.M)
    if not m:
        raise BenchError("cannot read the event count from spendtop check")
    expected = int(m.group(1))
    live_dir = args.data_dir / "live"
    live_dir.mkdir(parents=True, exist_ok=True)
    live_file, store = live_dir / "live.jsonl", live_dir / "spend.db"
    runs = []
    for _ in range(args.runs):
        for p in (live_file, store, Path(str(store) + "-wal"), Path(str(store) + "-shm")):
            p.unlink(missing_ok=True)
        live_file.touch()
        proc = subprocess.Popen([args.bin, "check", "--follow", "--until-events", str(expected), "--for", "600",
                                 "--store", str(store), str(live_file)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.3)   # let it open the store and start following
        t0 = time.perf_counter()
        with open(events, "rb") as src, open(live_file, "ab", buffering=0) as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                dst.write(chunk)
        writer_s = time.perf_counter() - t0
        out, err = proc.communicate(timeout=900)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise BenchError(f"live ingest exited with {proc.returncode}: {err[-1000:]}")
        got = re.search(r"^total\n  events +(\d+)", out, re.M)
        if not got or int(got.group(1)) != expected:
            raise BenchError(f"live ingest counted {got.group(1) if got else '?'} events, expected {expected}")
        store_bytes = sum(p.stat().st_size for p in (store, Path(str(store) + "-wal")) if p.exists())
        runs.append((wall, writer_s, store_bytes))
    wall, writer_s, store_bytes = min(runs)
    rate = expected / wall
    per_million = store_bytes / expected * 1e6
    walls = " ".join(f"{r[0]:.3f}" for r in runs)
    print(f"\nlive: {expected:,} events appended to a followed file, store on")
    print(f"  sustained ingest  {wall:7.3f} s  {_rate(rate)} events/s   (writer done after {writer_s:.3f} s; runs: {walls})")
    print(f"  store             {store_bytes / 1e6:7.1f} MB, {per_million / 1e6:.1f} MB per million events")
    ok = rate >= TARGET_LIVE_EVENTS_PER_S
    print(f"  verdict: {'PASS' if ok else 'MISS'} (SPEC §11: ≥ {TARGET_LIVE_EVENTS_PER_S // 1000}k events/s into the console)")
    return dict(events=expected, live_wall_s=round(wall, 4), live_walls=[round(r[0], 4) for r in runs],
                writer_s=round(writer_s, 4), live_events_per_s=round(rate), store_bytes=store_bytes,
                store_bytes_per_million=round(per_million), target_met=ok)


def _rate(per_s: float) -> str:
    return f"{per_s / 1e6:5.2f}M" if per_s >= 1e6 else f"{per_s / 1e3:5.1f}k"


TARGET_FRAME_MS = 10.0
TARGET_KEY_LATENCY_MS = 50.0
CONSOLE_RATE = 50_000
HEAVY_RATE = 200_000   # issue 12
CONSOLE_KEYS = 10_000


def _bench_console(args, *extra: str) -> dict:
    cmd = [args.bin, "bench-console", *extra]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} exited with {p.returncode}:\n{p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


TARGET_DAY_REFRESH_MS = 5.0   # issue 12


def section_console(args) -> dict:
    """SPEC §11: one frame < 10 ms at 200×60 with 10k keys; key-to-screen latency < 50 ms under
    50k events/s of live input. Both on a headless ncurses screen (newterm on /dev/null) through
    the real backend. The live input is real: lines of the export section's bench file appended at
    that rate to a file the console follows through LiveIngest; without that file, the demo feed."""
    frame = _bench_console(args, "frame", "--width", "200", "--height", "60", "--keys", str(CONSOLE_KEYS),
                           "--frames", str(max(20, 20 * args.runs)))
    # Issue 12: the refresh at the 24 h window with 20k keys (10 requests each, spread over the day).
    day = _bench_console(args, "frame", "--width", "200", "--height", "60", "--keys", "20000",
                         "--span-minutes", "1440", "--frames", str(max(10, 10 * args.runs)))
    events_file = args.data_dir / "events-1m.jsonl"
    live_input = ["--lines", str(events_file)] if events_file.exists() else []
    lat = _bench_console(args, "latency", "--width", "200", "--height", "60", "--keys", str(CONSOLE_KEYS),
                         "--rate", str(CONSOLE_RATE), "--presses", str(max(50, 40 * args.runs)), *live_input)
    # Issue 12: live ingest at 200k events/s with frames < 10 ms. 40 presses take about 3 s, which the 1M bench
    # file's lines outlast at that rate; if they run out first, the rate is taken up to that moment.
    heavy = _bench_console(args, "latency", "--width", "200", "--height", "60", "--keys", str(CONSOLE_KEYS),
                           "--rate", str(HEAVY_RATE), "--presses", "40", *live_input) if live_input else None
    source = "followed file" if live_input else "demo feed"
    print(f"\nconsole: 200×60, {frame['keys_in_window']:,} keys in the window")
    print(f"  full redraw (render + write every cell)  p50 {frame['full_redraw_ms_p50']:6.2f} ms  p95 {frame['full_redraw_ms_p95']:6.2f} ms")
    print(f"  frame after a key (render + diff)        p50 {frame['key_frame_ms_p50']:6.2f} ms  p95 {frame['key_frame_ms_p95']:6.2f} ms")
    print(f"  data refresh (rollup queries, off the input thread)  p50 {frame['refresh_ms_p50']:6.1f} ms  p95 {frame['refresh_ms_p95']:6.1f} ms")
    print(f"  data refresh at the 24 h window, {day['keys_in_window']:,} keys, {day['events']:,} events  "
          f"p50 {day['refresh_ms_p50']:6.1f} ms  p95 {day['refresh_ms_p95']:6.1f} ms (issue 12: p95 < 5 ms)")
    print(f"  key-to-screen under {lat['ingested_events_per_s']:,.0f} events/s ({source}, target {CONSOLE_RATE:,}/s): "
          f"p50 {lat['latency_ms_p50']:.2f} ms  p95 {lat['latency_ms_p95']:.2f} ms  max {lat['latency_ms_max']:.2f} ms "
          f"({lat['presses']} presses)")
    if heavy:
        ran_out = heavy.get("input_exhausted_after_s")
        print(f"  live ingest at {HEAVY_RATE:,}/s asked (issue 12): {heavy['ingested_events_per_s']:,.0f} events/s "
              f"ingested, key-to-screen p50 {heavy['latency_ms_p50']:.2f} ms  p95 {heavy['latency_ms_p95']:.2f} ms"
              + (f" (the file's lines ran out after {ran_out:.1f} s: the rate is taken up to then)" if ran_out else ""))
    missed = []
    if heavy and heavy["ingested_events_per_s"] < 0.95 * HEAVY_RATE:
        missed.append(f"live ingest reached only {heavy['ingested_events_per_s']:,.0f} of {HEAVY_RATE:,} events/s")
    if heavy and heavy["latency_ms_p95"] >= TARGET_FRAME_MS:
        # Key-to-screen spans a whole frame and more: stricter than the frame time it stands for.
        missed.append(f"key-to-screen p95 {heavy['latency_ms_p95']:.1f} ms ≥ the {TARGET_FRAME_MS:.0f} ms frame target "
                      f"at {HEAVY_RATE:,}/s")
    if frame["full_redraw_ms_p95"] >= TARGET_FRAME_MS:
        missed.append(f"frame p95 {frame['full_redraw_ms_p95']:.1f} ms ≥ {TARGET_FRAME_MS:.0f} ms")
    if lat["latency_ms_p95"] >= TARGET_KEY_LATENCY_MS:
        missed.append(f"key latency p95 {lat['latency_ms_p95']:.1f} ms ≥ {TARGET_KEY_LATENCY_MS:.0f} ms")
    if lat["ingested_events_per_s"] < 0.95 * CONSOLE_RATE:
        missed.append(f"the feed reached only {lat['ingested_events_per_s']:,.0f} events/s")
    if day["refresh_ms_p95"] >= TARGET_DAY_REFRESH_MS:
        missed.append(f"24 h refresh p95 {day['refresh_ms_p95']:.1f} ms ≥ {TARGET_DAY_REFRESH_MS:.0f} ms")
    print(f"  verdict: {'MISS: ' + '; '.join(missed) if missed else 'PASS'} "
          f"(SPEC §11: frame < {TARGET_FRAME_MS:.0f} ms at 200×60, input latency < {TARGET_KEY_LATENCY_MS:.0f} ms at 50k events/s; "
          f"issue 12: 24 h refresh p95 < {TARGET_DAY_REFRESH_MS:.0f} ms with 20k keys, live ingest at "
          f"{HEAVY_RATE // 1000}k events/s with frames < {TARGET_FRAME_MS:.0f} ms)")
    return dict(frame=frame, day_refresh=day, latency=lat, heavy_latency=heavy, target_met=not missed)


def section_savings(args) -> dict:
    """Issue 11: computing the savings view reads rollups, not events: milliseconds on the bench day.
    Timed inside one process on the console's rollups, against the features view's query on the same
    rollups (the reference, same run)."""
    events = ensure_events(args.data_dir, args.events)
    cmd = [args.bin, "bench-savings", str(events), "--runs", str(max(10, 10 * args.runs))]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} exited with {p.returncode}:\n{p.stderr[-2000:]}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    ok = r["savings_ms_p50"] < TARGET_SAVINGS_MS
    print(f"\nsavings: {r['events']:,} events loaded into the console's rollups in {r['load_s']:.2f} s")
    print(f"  savings view (advisor, window all)  p50 {r['savings_ms_p50']:7.2f} ms  p95 {r['savings_ms_p95']:7.2f} ms  "
          f"({r['opportunities']} opportunities, {r['runs']} runs)")
    print(f"  features view query (reference)     p50 {r['features_ms_p50']:7.2f} ms   "
          f"ratio savings / features = {r['ratio_savings_to_features']:.2f}×")
    print(f"  verdict: {'PASS' if ok else 'MISS'} (issue 11: milliseconds, under {TARGET_SAVINGS_MS:.0f} ms, "
          f"not a second pass over events)")
    figures = {k: v for k, v in r.items() if k != "runs"}   # `record` writes the bench's own runs
    return dict(figures, timed_runs=r["runs"], target_met=ok)


TARGET_SAVINGS_MS = 100.0


TARGET_STARTUP_MS = 1000.0   # issue 12: first frame with data from a store of 5M events < 1 s


def section_startup(args) -> dict:
    """Issue 12 point 1: the console's first frame on a store alone. The store is written by `check --store`
    (whose checkpoint fits `check`, not the console), so the first start replays every event: that is the
    reference, measured in the same run. It saves the console's checkpoint; the starts after it load that."""
    events = ensure_events(args.data_dir, args.events)
    store = args.data_dir / f"store-{count_label(args.events)}.db"
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(store) + suffix).unlink(missing_ok=True)
    t = time.monotonic()
    p = subprocess.run([args.bin, "check", "--store", str(store), str(events)], capture_output=True, text=True)
    if p.returncode != 0:
        raise BenchError(f"check --store exited with {p.returncode}:\n{p.stderr[-2000:]}")
    written_s = time.monotonic() - t
    # The console's own start: the same full replay in the background, drawing while it runs. Its checkpoint is
    # then deleted, so the reference below replays every event too.
    background = _bench_console(args, "first-frame", "--store", str(store), "--background-replay")
    with sqlite3.connect(store) as db:
        db.execute("DELETE FROM checkpoint")
        db.execute("DELETE FROM checkpoint_minutes")
    full = _bench_console(args, "first-frame", "--store", str(store))
    if not full["full_replay_reason"]:
        raise BenchError("the first start found a console checkpoint in a store `check` wrote")
    loads = [_bench_console(args, "first-frame", "--store", str(store)) for _ in range(max(1, args.runs))]
    if any(r["full_replay_reason"] for r in loads):
        raise BenchError(f"a start after the checkpoint replayed every event: {loads}")
    best = min(loads, key=lambda r: r["first_frame_ms"])
    if best["events"] != full["events"]:
        raise BenchError(f"the checkpoint holds {best['events']} events, the replay {full['events']}")
    store_mb = store.stat().st_size / 1e6
    ok = best["first_frame_ms"] < TARGET_STARTUP_MS
    print(f"\nstartup: the console on a store of {full['events']:,} events ({store_mb:.0f} MB, written by "
          f"check --store in {written_s:.1f} s)")
    print(f"  every event replayed (reference)  first frame {full['first_frame_ms']:8.1f} ms  "
          f"peak RSS {full['peak_rss_mb']:.0f} MB  (then {full['stop_ms']:.0f} ms to save the whole checkpoint)")
    print(f"  the same in the background        first frame {background['first_frame_ms']:8.1f} ms  "
          f"({background['first_frame_events']:,} events shown, the header saying so); replay done after "
          f"{background['replay_done_ms']:.0f} ms")
    print(f"  from the checkpoint               first frame {best['first_frame_ms']:8.1f} ms  "
          f"peak RSS {best['peak_rss_mb']:.0f} MB  ({best['checkpoint_minutes']} minutes; runs: "
          f"{' '.join(str(r['first_frame_ms']) for r in loads)})")
    print(f"  ratio checkpoint / replay = {best['first_frame_ms'] / full['first_frame_ms']:.2f}")
    print(f"  verdict: {'PASS' if ok else 'MISS'} (issue 12: first frame with data < {TARGET_STARTUP_MS:.0f} ms "
          f"from a store of 5M events)")
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(store) + suffix).unlink(missing_ok=True)
    return dict(events=full["events"], store_mb=round(store_mb, 1), replay=full, background=background,
                checkpoint=best,
                checkpoint_runs=[r["first_frame_ms"] for r in loads], target_met=ok)


def section_postgres(args) -> dict:
    """SPEC §11 PostgreSQL backend: pushdown export vs psql on 1M LiteLLM_SpendLogs rows (scripts/pg_bench.py).
    Skipped, not failed, where no PostgreSQL server is installed."""
    import pg_bench  # noqa: E402  (sits beside this script)
    return pg_bench.section_postgres(args, best_of, read_spendtop_csv, compare_features, FeatureRow, BenchError)


# name → (function, needs duckdb); run in this order.
SECTIONS = {
    "export": (section_export, True),
    "live": (section_live, False),
    "console": (section_console, False),
    "savings": (section_savings, False),
    "startup": (section_startup, False),
    "postgres": (section_postgres, False),
    "promql": (lambda args: bench_promql.section_promql(args, run_measured, best_of, BenchError), False),
}


# ---------------------------------------------------------------- main


def git_rev() -> str | None:
    try:
        p = subprocess.run(["git", "-C", str(SCRIPTS.parent), "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True)
    except OSError:
        return None
    return p.stdout.strip() or None


def record(data_dir: Path, section: str, figures: dict, args) -> None:
    entry = dict(at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), section=section,
                 git=git_rev(), host=platform.node(), cpus=os.cpu_count(), bin=str(args.bin),
                 runs=args.runs, **figures)
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "results.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="spendtop benchmark against the SPEC §11 targets")
    ap.add_argument("--bin", required=True, help="spendtop binary (e.g. .build/release/spendtop)")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--data-dir", type=Path, default=Path("bench-data"))
    ap.add_argument("--runs", type=int, default=3, help="best of N runs (default 3)")
    ap.add_argument("--only", help=f"comma-separated sections: {', '.join(SECTIONS)}")
    args = ap.parse_args(argv)
    names = args.only.split(",") if args.only else list(SECTIONS)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
        ap.error(f"{args.bin} is not an executable file (build it with `make release`)")
    if args.events <= 0 or args.runs <= 0:
        ap.error("--events and --runs must be positive")
    args.bin = os.path.abspath(args.bin)
    if any(SECTIONS[n][1] for n in names) and importlib.util.find_spec("duckdb") is None:
        print(f"bench: the DuckDB reference needs the duckdb module for {sys.executable}:\n"
              f"  {sys.executable} -m pip install duckdb      (or: pip install duckdb)", file=sys.stderr)
        return 2

    print(f"spendtop bench: {args.bin}, {platform.node()}, {os.cpu_count()} CPUs, best of {args.runs}")
    status = 0
    for name in names:
        try:
            figures = SECTIONS[name][0](args)
        except BenchError as e:
            print(f"bench: {name}: {e}", file=sys.stderr)
            return 1
        record(args.data_dir, name, figures, args)
        if not figures.get("sums_match", True):
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
