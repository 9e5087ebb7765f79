"""The `promql` section of `make bench` (scripts/bench.py imports it).

6 h of LiteLLM counters (spend, requests, input and output tokens) for 2,000 keys × 12 models — each key
calling a few of the models, one gateway that restarts once half-way — backfilled with
`promtool tsdb create-blocks-from openmetrics` into a TSDB kept in DATA_DIR/promql (rebuilt when the
generator changes), served by a real Prometheus on 127.0.0.1. Measured: the features view at 24 h through
spendtop's pushdown (`spendtop debug-promql`, until `export promql:` exists) against `curl` sending the
same queries (read back from Prometheus' query log), as a wall-time ratio; spendtop's peak RSS; and
whether the rows equal the generator's known growth.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

START = 1_795_737_600          # 2026-11-27T00:00:00Z: fixed, so runs on different days read the same data
HOURS = 6
SCRAPE_S = 60
KEYS, MODELS, FEATURES, TEAMS = 2_000, 12, 30, 40
RESTART_AT = START + 3 * 3600 + 20   # the gateway restarts: every counter goes back near 0
COUNTERS = ["litellm_spend_metric", "litellm_requests_metric", "litellm_input_tokens_metric",
            "litellm_output_tokens_metric"]
TOOLS = ["/usr/bin/prometheus", "/usr/bin/promtool"]


def missing_tools() -> list[str]:
    out = [t for t in TOOLS if not os.access(t, os.X_OK)]
    if shutil.which("curl") is None:
        out.append("curl")
    return out


def label_sets(rng: random.Random):
    """(labels text, feature) per series: each key calls 1–12 models, most a few."""
    models = [f"model-{i:02d}" for i in range(MODELS)]
    out = []
    for k in range(KEYS):
        h = hashlib.sha256(f"key-{k}".encode()).hexdigest()
        alias = "None" if k % 7 == 0 else f"app-{k}"
        n = min(MODELS, max(1, int(rng.paretovariate(1.2))))
        feature = f"f{int(rng.paretovariate(0.8)) % FEATURES:02d}"
        tag, meta = (f"feature:{feature}", "None") if k % 5 else ("None", feature)
        for m in rng.sample(models, n):
            labels = (f'api_key_alias="{alias}",end_user="None",hashed_api_key="{h}",instance="gw-1:4000",'
                      f'job="litellm",metadata_feature="{meta}",model="{m}",requested_model="{m}",'
                      f'tag="{tag}",team="team-{k % TEAMS}",team_alias="Team {k % TEAMS}",user="None"')
            out.append((labels, feature, 0.02 + rng.random() ** 3))
    return out


def generator_hash() -> str:
    """What the data depends on: the generator's code and constants (not the rest of the bench)."""
    import inspect
    text = inspect.getsource(label_sets) + inspect.getsource(write_openmetrics) + repr(
        (START, HOURS, SCRAPE_S, KEYS, MODELS, FEATURES, TEAMS, RESTART_AT, COUNTERS))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_openmetrics(path: Path) -> dict:
    """The bench data, and the known growth per feature (every increment: the series begin in the window)."""
    rng = random.Random(14)
    sets = label_sets(rng)
    known = {}
    end = START + HOURS * 3600
    with open(path, "w") as out:
        # One pass per counter family (families must not interleave); the same seeded draws per series.
        for ci, family in enumerate(COUNTERS):
            out.write(f"# TYPE {family} counter\n")
            for si, (labels, feature, rate) in enumerate(sets):
                r = random.Random(si * 7919 + 1)
                v = 0.0
                row = known.setdefault(feature, [0.0, 0, 0, 0])
                t = START + 7
                while t < end:
                    if t - SCRAPE_S < RESTART_AT <= t:
                        v = 0.0
                    req = sum(1 for _ in range(4) if r.random() < rate)
                    inp = req * (200 + int(r.paretovariate(1.5) * 300))
                    outp = req * (20 + int(r.random() * 600))
                    inc = (req, inp * 2.5e-6 + outp * 1e-5, inp, outp)
                    delta = [inc[1], inc[0], inc[2], inc[3]][ci]
                    v += delta
                    row[ci] += delta
                    out.write(f"{family}_total{{{labels}}} {repr(v) if ci == 0 else int(v)} {t}\n")
                    t += SCRAPE_S
        out.write("# EOF\n")
    return {"series": len(sets) * len(COUNTERS), "label_sets": len(sets),
            "known": {f: {"spend_usd": r[0], "requests": r[1], "input_tokens": r[2], "output_tokens": r[3]}
                      for f, r in known.items()}}


def ensure_tsdb(data_dir: Path) -> tuple[Path, dict]:
    root = data_dir / "promql"
    meta_path = root / "meta.json"
    want = generator_hash()
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("generator") == want and (root / "tsdb").is_dir():
            return root / "tsdb", meta
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    om = root / "data.om"
    print(f"generating {HOURS} h of counters for {KEYS:,} keys × {MODELS} models ...", flush=True)
    t0 = time.perf_counter()
    meta = write_openmetrics(om)
    t1 = time.perf_counter()
    print(f"  {meta['series']:,} series, {om.stat().st_size / 1e6:.0f} MB of OpenMetrics in {t1 - t0:.0f} s; backfilling ...",
          flush=True)
    subprocess.run(["/usr/bin/promtool", "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=6h",
                    str(om), str(root / "tsdb")], check=True, capture_output=True)
    om.unlink()
    print(f"  backfilled in {time.perf_counter() - t1:.0f} s", flush=True)
    meta["generator"] = want
    meta_path.write_text(json.dumps(meta))
    return root / "tsdb", meta


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    """The server on the cached TSDB, in a temporary folder for its config and query log."""

    def __init__(self, tsdb: Path):
        self.dir = Path(tempfile.mkdtemp(prefix="spendtop-bench-prom-"))
        self.log = self.dir / "query.log"
        (self.dir / "prometheus.yml").write_text(f"global:\n  query_log_file: {self.log}\n")
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["/usr/bin/prometheus", f"--config.file={self.dir / 'prometheus.yml'}", f"--storage.tsdb.path={tsdb}",
             "--storage.tsdb.retention.time=100y", f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=open(self.dir / "server.log", "w"))
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("prometheus exited: " + (self.dir / "server.log").read_text()[-2000:])
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("prometheus was not ready within 120 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logged(self) -> list[dict]:
        """Each logged query's params, with the engine's own time for it as `exec_s`."""
        if not self.log.exists():
            return []
        out = []
        for line in self.log.read_text().splitlines():
            if line.strip():
                entry = json.loads(line)
                out.append(dict(entry["params"], exec_s=entry.get("stats", {}).get("timings", {}).get("execTotalTime", 0)))
        return out

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def curl_script(params: list[dict], url: str) -> list[str]:
    """A shell script sending the same range queries with curl, one after the other."""
    def epoch(t: str) -> str:
        import datetime as dt
        return str(int(dt.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()))
    lines = ["set -e"]
    for p in params:
        q = p["query"].replace("'", "'\\''")
        lines.append(f"curl -sf -o /dev/null {url}/api/v1/query_range --data-urlencode 'query={q}' "
                     f"--data-urlencode start={epoch(p['start'])} --data-urlencode end={epoch(p['end'])} "
                     f"--data-urlencode step={int(p['step'])}")
    return lines


def section_promql(args, run_measured, best_of, BenchError) -> dict:
    missing = missing_tools()
    if missing:
        print(f"\npromql: skipped, missing {', '.join(missing)} (the Makefile's setup installs prometheus)")
        return dict(skipped=True, missing=missing)
    tsdb, meta = ensure_tsdb(args.data_dir)
    server = Prometheus(tsdb)
    try:
        end = START + HOURS * 3600
        at = (end + 59) // 60 * 60
        cmd = [args.bin, "debug-promql", f"promql:{server.url}", "--view", "features", "--window", "24h", "--at", str(at)]
        run_measured(cmd)   # warm the page cache and the engine's postings
        before = len(server.logged())
        st, st_runs = best_of(args.runs, cmd)
        params = server.logged()[before:]
        per_run = len(params) // max(1, args.runs)
        script = curl_script(params[:per_run], server.url)
        mid = len(server.logged())
        ref, ref_runs = best_of(args.runs, ["bash", "-c", "\n".join(script)])
        curl_params = server.logged()[mid:]

        def engine_s(entries):   # the engine's busiest-case time per run: the smallest run's sum
            runs = [entries[i:i + per_run] for i in range(0, len(entries) - per_run + 1, per_run)]
            return min(sum(e["exec_s"] for e in r) for r in runs) if runs else float("nan")
        st_engine, curl_engine = engine_s(params), engine_s(curl_params)
        rows = {}
        for line in st.stdout.splitlines()[1:]:
            name, spend, req, inp, outp = line.rsplit(",", 4)
            rows[name] = (float(spend), int(req), int(inp), int(outp))
        diffs = []
        for f, k in meta["known"].items():
            got = rows.get(f)
            want = (k["spend_usd"], k["requests"], k["input_tokens"], k["output_tokens"])
            if got is None or abs(got[0] - want[0]) > 1e-6 * max(1, want[0]) or got[1:] != want[1:]:
                diffs.append(f"{f}: spendtop {got} known {want}")
        extra = sorted(set(rows) - set(meta["known"]))
        if extra:
            diffs.append(f"rows not in the data: {extra}")
        console_cmd = [args.bin, "debug-promql", f"promql:{server.url}", "--view", "console", "--window", "24h",
                       "--at", str(at)]
        console = run_measured(console_cmd)
        console_queries = len(server.logged()) - len(curl_params) - mid
        ratio = st.wall_s / ref.wall_s
        rss = f"{st.rss_mb:.1f} MB" if st.rss_mb is not None else "n/a"
        print(f"\npromql: {meta['series']:,} series ({meta['label_sets']:,} key×model label sets × 4 counters), "
              f"{HOURS} h at {SCRAPE_S} s, one restart; features view at 24 h")
        print(f"  spendtop pushdown  {st.wall_s:7.3f} s  peak RSS {rss}   ({per_run} queries; runs: "
              f"{' '.join(f'{r.wall_s:.3f}' for r in st_runs)})")
        print(f"  curl, same queries {ref.wall_s:7.3f} s   (runs: {' '.join(f'{r.wall_s:.3f}' for r in ref_runs)})")
        print(f"  ratio (spendtop wall / curl wall) = {ratio:.2f}×   (engine time per run, summed over its queries: "
              f"spendtop {st_engine:.3f} s, curl {curl_engine:.3f} s; spendtop sends {per_run} queries "
              f"up to 4 at a time, curl one after the other)")
        print(f"  rows: {'MISMATCH: ' + '; '.join(diffs[:5]) if diffs else f'{len(rows)} features equal the known growth'}")
        print(f"  console's first read (its 9 groupings and the GPUs, 24 h): {console.wall_s:.3f} s, {console_queries} "
              f"queries, peak RSS {console.rss_mb or float('nan'):.1f} MB (the first frame, once promql: is wired, waits for it)")
        return dict(series=meta["series"], label_sets=meta["label_sets"], queries=per_run,
                    spendtop_wall_s=round(st.wall_s, 4), curl_wall_s=round(ref.wall_s, 4), ratio=round(ratio, 3),
                    engine_s_spendtop=round(st_engine, 4), engine_s_curl=round(curl_engine, 4),
                    console_first_read_s=round(console.wall_s, 4), console_queries=console_queries,
                    peak_rss_mb=None if st.rss_mb is None else round(st.rss_mb, 1), sums_match=not diffs,
                    mismatches=diffs[:20])
    finally:
        server.stop()
