"""The `postgres` section of scripts/bench.py: a real PostgreSQL holding 1M LiteLLM_SpendLogs rows.

A cluster in DATA_DIR/pg (initdb once, as the `postgres` user when run as root), started on a free
127.0.0.1 port for the section and stopped after it; the rows come from gen_spendlogs.py through
COPY and are kept between runs (reloaded when the generator or the row count changes). Timed, best
of N: `psql` running the exact aggregate spendtop sends (`--print-sql`), `psql` running a plain
GROUP BY feature, and spendtop's pushdown export of the features view (peak RSS with it).
"""
from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
TARGET_RATIO = 1.5      # SPEC §11: spendtop ≤ 1.5× psql's wall time for the same aggregate
TARGET_RSS_MB = 100.0

NAIVE_SQL = """SELECT coalesce(CASE WHEN left(request_tags->>0, 8) = 'feature:' THEN substr(request_tags->>0, 9)
  ELSE NULLIF(request_tags->>0, '') END, '(none)') AS feature, sum(spend), count(*), sum(prompt_tokens), sum(completion_tokens)
FROM "LiteLLM_SpendLogs" GROUP BY 1"""


def server_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return os.path.dirname(found[-1])
    return None


def as_server(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data_dir: Path):
        self.bin = server_bin()
        self.root = (data_dir / "pg").resolve()
        self.data = self.root / "data"
        self.proc = None
        self.port = 0

    def init(self):
        if (self.data / "PG_VERSION").exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(as_server([f"{self.bin}/initdb", "-D", str(self.data), "-U", "bench", "--auth=trust",
                                  "-E", "UTF8", "--locale=C", "--no-sync"]), check=True, capture_output=True)

    def start(self):
        self.port = free_port()
        log = open(self.root / "server.log", "ab")
        self.proc = subprocess.Popen(as_server([f"{self.bin}/postgres", "-D", str(self.data), "-p", str(self.port),
                                                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
                                                "-c", "fsync=off", "-c", "synchronous_commit=off",
                                                "-c", "full_page_writes=off", "-c", "shared_buffers=256MB",
                                                "-c", "max_wal_size=4GB", "-c", "max_parallel_workers_per_gather=0"]),
                                     stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited at start; see {self.root / 'server.log'}")
            if subprocess.run([f"{self.bin}/pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("postgres did not start within 120 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            subprocess.run(as_server([f"{self.bin}/pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"]),
                           capture_output=True)
            self.proc.wait(timeout=120)

    @property
    def url(self) -> str:
        return f"postgresql://bench@127.0.0.1:{self.port}/postgres"

    def psql(self, *args: str, input: str | None = None, stdin=None) -> str:
        p = subprocess.run([f"{self.bin}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", self.url, *args],
                           input=input, stdin=stdin, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"psql {' '.join(args)[:200]}: {p.stderr[-1000:]}")
        return p.stdout


def ensure_rows(server: Server, rows: int) -> float | None:
    """Loads `rows` generated rows unless the table already holds them; the load's seconds, or None."""
    want = f"{rows}:" + hashlib.sha256((SCRIPTS / "gen_spendlogs.py").read_bytes()).hexdigest()[:16]
    exists = server.psql("-c", "SELECT to_regclass('bench_meta') IS NOT NULL").strip() == "t"
    if exists and server.psql("-c", "SELECT v FROM bench_meta").strip() == want:
        return None
    print(f"loading {rows:,} LiteLLM_SpendLogs rows through COPY ...", flush=True)
    t0 = time.perf_counter()
    server.psql("-c", 'DROP TABLE IF EXISTS "LiteLLM_SpendLogs"; DROP TABLE IF EXISTS bench_meta')
    server.psql("-f", str(SCRIPTS / "sql" / "litellm_spendlogs.sql"))
    columns = subprocess.run([sys.executable, str(SCRIPTS / "gen_spendlogs.py"), "--columns"],
                             capture_output=True, text=True, check=True).stdout.strip()
    gen = subprocess.Popen([sys.executable, str(SCRIPTS / "gen_spendlogs.py"), "--rows", str(rows)], stdout=subprocess.PIPE)
    server.psql("-c", f'\\copy "LiteLLM_SpendLogs"({columns}) FROM STDIN WITH (FORMAT csv)', stdin=gen.stdout)
    if gen.wait() != 0:
        raise RuntimeError("gen_spendlogs.py failed")
    server.psql("-f", str(SCRIPTS / "sql" / "litellm_spendlogs_indexes.sql"))
    server.psql("-c", 'VACUUM ANALYZE "LiteLLM_SpendLogs"')
    server.psql("-c", f"CREATE TABLE bench_meta (v text); INSERT INTO bench_meta VALUES ('{want}')")
    took = time.perf_counter() - t0
    size = server.psql("-c", "SELECT pg_total_relation_size('\"LiteLLM_SpendLogs\"')").strip()
    print(f"  loaded in {took:.1f} s, table {int(size) / 1e6:.0f} MB", flush=True)
    return took


def inline_parameters(sql_and_params: str) -> str:
    """spendtop's `--print-sql` output as one statement psql can run: $n replaced by its literal."""
    body, _, params = sql_and_params.rpartition("-- parameters: ")
    values = [v.strip() for v in params.strip().split(" | ")]
    return re.sub(r"\$(\d+)", lambda m: "'" + values[int(m.group(1)) - 1].replace("'", "''") + "'", body)


def section_postgres(args, best_of, read_csv, compare, FeatureRow, BenchError) -> dict:
    bin_dir = server_bin()
    if bin_dir is None or shutil.which("psql") is None and not os.path.exists(f"{bin_dir}/psql"):
        print("\npostgres: skipped (no PostgreSQL server; `make setup` installs Debian's postgresql)")
        return dict(skipped="no postgresql")
    server = Server(args.data_dir)
    server.init()
    server.start()
    try:
        rows = args.events
        load_s = ensure_rows(server, rows)
        table_mb = int(server.psql("-c", "SELECT pg_total_relation_size('\"LiteLLM_SpendLogs\"')").strip()) / 1e6
        src = server.url + "?table=LiteLLM_SpendLogs"
        p = subprocess.run([args.bin, "debug-postgres-export", src, "--view", "features", "--print-sql"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise BenchError(f"spendtop debug-postgres-export --print-sql: {p.stderr[-1000:]}")
        same_sql = args.data_dir / "pg-features.sql"
        same_sql.write_text(inline_parameters(p.stdout))
        naive_sql = args.data_dir / "pg-naive.sql"
        naive_sql.write_text(NAIVE_SQL + ";\n")
        psql = [f"{bin_dir}/psql", "-X", "-q", "-At", "-d", server.url, "-o", "/dev/null", "-f"]
        out_csv = args.data_dir / "pg-features.csv"
        st, st_runs = best_of(args.runs, [args.bin, "debug-postgres-export", src, "--view", "features", "-o", str(out_csv)],
                              before=lambda: out_csv.unlink(missing_ok=True))
        same, same_runs = best_of(args.runs, psql + [str(same_sql)])
        naive, naive_runs = best_of(args.runs, psql + [str(naive_sql)])
        ref = {}
        for line in server.psql("-F", "\t", "-f", str(naive_sql)).splitlines():
            f, s, n, i, o = line.split("\t")
            ref[f] = (float(s), int(n), int(i), int(o))
        got = read_csv(out_csv)
        diffs = compare(got, {k: FeatureRow(*v) for k, v in ref.items()})
    finally:
        server.stop()

    ratio_same = st.wall_s / same.wall_s
    ratio_naive = st.wall_s / naive.wall_s
    rss = f"{st.rss_mb:.1f} MB" if st.rss_mb is not None else "n/a"
    print(f"\npostgres: {rows:,} LiteLLM_SpendLogs rows ({table_mb:.0f} MB with TOAST and indexes)"
          + (f", loaded with COPY in {load_s:.1f} s" if load_s else ", already loaded"))
    walls = lambda rs: " ".join(f"{r.wall_s:.3f}" for r in rs)  # noqa: E731
    print(f"  spendtop pushdown export (features)  {st.wall_s:7.3f} s  peak RSS {rss}   (runs: {walls(st_runs)})")
    print(f"  psql, the same aggregate              {same.wall_s:7.3f} s   (runs: {walls(same_runs)})")
    print(f"  psql, a plain GROUP BY feature        {naive.wall_s:7.3f} s   (runs: {walls(naive_runs)})")
    print(f"  ratio spendtop / psql same SQL = {ratio_same:.2f}×; / plain GROUP BY = {ratio_naive:.2f}×")
    if diffs:
        print(f"  sums: MISMATCH with the plain aggregate in {len(diffs)} feature(s):")
        for d in diffs:
            print("    " + d)
    else:
        print(f"  sums: {len(ref)} features match the plain aggregate (requests and tokens exact)")
    missed = ([f"ratio {ratio_same:.2f}× > {TARGET_RATIO}×"] if ratio_same > TARGET_RATIO else []) + \
             ([] if st.rss_mb is not None and st.rss_mb <= TARGET_RSS_MB else [f"peak RSS {rss} > {TARGET_RSS_MB:.0f} MB"])
    print(f"  verdict: {'MISS: ' + '; '.join(missed) if missed else 'PASS'} (SPEC §11: ≤ {TARGET_RATIO}× psql, "
          f"peak RSS ≤ {TARGET_RSS_MB:.0f} MB; console first frame: not measured until postgres:// feeds the console)")
    return dict(rows=rows, table_mb=round(table_mb), load_s=None if load_s is None else round(load_s, 1),
                spendtop_wall_s=round(st.wall_s, 4), spendtop_walls=[round(r.wall_s, 4) for r in st_runs],
                peak_rss_mb=None if st.rss_mb is None else round(st.rss_mb, 1),
                psql_same_sql_wall_s=round(same.wall_s, 4), psql_plain_wall_s=round(naive.wall_s, 4),
                ratio_vs_same_sql=round(ratio_same, 3), ratio_vs_plain=round(ratio_naive, 3),
                target_met=not missed, sums_match=not diffs, mismatches=diffs)
