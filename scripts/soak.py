#!/usr/bin/env python3
"""make soak (issue 13 point 12; not in CI): the console following a file appended at 50k events/s
for 30 minutes, renamed away twice a minute, and an SSE source whose server drops the connection
every 2 minutes (resumed with Last-Event-ID). Reports RSS slope after warm-up (MB/h), the slowest
run-loop iteration and frame, and whether the totals are exact.

    soak.py --bin .build/release/spendtop [--minutes 30] [--rate 50000] [--out soak.json]

File events carry no request_id (a gateway log often has none, and every id would be held for the
24 h dedupe window: 16 bytes × 50k/s is 2.9 GB/h by design, which is not what this measures);
SSE events do, and are resumed by id.
"""
import argparse
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

STATE = {"sse_next": 1, "sse_stop": False, "sse_connections": 0}
LOCK = threading.Lock()


class SSE(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def do_GET(self):
        with LOCK:
            STATE["sse_connections"] += 1
        last = self.headers.get("Last-Event-ID")
        nxt = int(last) + 1 if last else 1
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        opened = time.time()
        try:
            self.chunk(b"retry: 200\n\n")
            while time.time() - opened < ARGS.sse_drop:
                with LOCK:
                    # An id is made when first sent; one sent before a drop is sent again after the resume.
                    if nxt >= STATE["sse_next"] and not STATE["sse_stop"]:
                        STATE["sse_next"] = nxt + 1
                    have = nxt < STATE["sse_next"]
                if have:
                    ts = int(time.time() * 1000)
                    body = json.dumps({"ts": ts, "request_id": "sse-%d" % nxt, "feature": "sse", "model": "gpt-4o", "cost_usd": 0.002})
                    self.chunk(b"id: %d\ndata: %s\n\n" % (nxt, body.encode()))
                    nxt += 1
                else:
                    self.chunk(b": idle\n\n")
                time.sleep(1 / ARGS.sse_rate)
            # Dropped without the closing chunk, as a proxy timeout does.
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


def writer(path, stats, stop_at):
    features = ["chat", "search", "agent", "review", "summarize"]
    micros = [100, 250, 400, 1000, 2500]
    f = open(path, "a")
    n = 0
    start = time.time()
    last_rotate = start
    while time.time() < stop_at:
        target = int((time.time() - start) * ARGS.rate)
        if n >= target:
            time.sleep(0.01)
            continue
        ts = int(time.time() * 1000)
        k = min(target - n, 20000)
        lines = []
        for i in range(n, n + k):
            m = micros[i % 5]
            stats["micros"] += m
            lines.append('{"ts":%d,"feature":"%s","api_key":"key-%d","model":"gpt-4o","input_tokens":%d,"output_tokens":%d,"cost_usd":%s,"latency_ms":%d}\n'
                         % (ts, features[i % 5], i % 200, 500 + i % 900, 20 + i % 300, m / 1e6, 100 + i % 2000))
        f.write("".join(lines))
        f.flush()
        n += k
        stats["file"] = n
        if time.time() - last_rotate >= 30:
            f.close()
            os.replace(path, path + ".1")
            stats["rotations"] += 1
            f = open(path, "a")
            last_rotate = time.time()
    f.close()


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--rate", type=float, default=50_000)
    ap.add_argument("--sse-rate", type=float, default=20)
    ap.add_argument("--sse-drop", type=float, default=120)
    ap.add_argument("--out", default="soak.json")
    ARGS = ap.parse_args()
    work = tempfile.mkdtemp(prefix="spendtop-soak-")
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SSE)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = "http://127.0.0.1:%d/events" % server.server_address[1]
        path = os.path.join(work, "app.log")
        open(path, "w").close()
        stats = {"file": 0, "micros": 0, "rotations": 0}
        seconds = ARGS.minutes * 60
        stop_at = time.time() + seconds
        report = os.path.join(work, "report.json")
        console = subprocess.Popen([ARGS.bin, "soak-console", path, url, "--seconds", str(seconds + 45), "--report", report])
        w = threading.Thread(target=writer, args=(path, stats, stop_at))
        w.start()
        w.join()
        with LOCK:
            STATE["sse_stop"] = True
        console.wait()
        r = json.load(open(report))
        sse_sent = STATE["sse_next"] - 1
        expected = stats["file"] + sse_sent
        spend = stats["micros"] / 1e6 + sse_sent * 0.002
        rss = [(t, mb) for t, mb in r["rss"] if t >= 300] or r["rss"]
        n = len(rss)
        mt = sum(t for t, _ in rss) / n
        mm = sum(mb for _, mb in rss) / n
        var = sum((t - mt) ** 2 for t, _ in rss) or 1
        slope = sum((t - mt) * (mb - mm) for t, mb in rss) / var * 3600
        summary = {
            "minutes": ARGS.minutes, "rate": ARGS.rate, "file_events": stats["file"], "rotations": stats["rotations"],
            "sse_events": sse_sent, "sse_connections": STATE["sse_connections"],
            "counted": r["events"], "expected": expected, "totals_exact": r["events"] == expected and abs(r["spend"] - spend) < 1e-6 * max(1, spend),
            "spend": r["spend"], "expected_spend": spend, "duplicates": r["duplicates"], "rejected": r["rejected"],
            "rss_mb_first": r["rss"][0][1] if r["rss"] else None, "rss_mb_last": r["rss"][-1][1] if r["rss"] else None,
            "rss_mb_max": max(mb for _, mb in r["rss"]) if r["rss"] else None,
            "rss_slope_mb_per_h_after_5min": round(slope, 2),
            "frames": r["frames"], "max_draw_ms": round(r["max_draw_ms"], 2),
            "max_loop_ms": round(r["max_loop_ms"], 2), "p99_loop_ms": round(r["p99_loop_ms"], 2), "loops_over_50ms": r["loops_over_50ms"],
        }
        json.dump({"summary": summary, "report": r}, open(ARGS.out, "w"), indent=1)
        print(json.dumps(summary, indent=1))
        return 0 if summary["totals_exact"] else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
