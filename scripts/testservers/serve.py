#!/usr/bin/env python3
"""Local HTTP servers for spendtop's end-to-end tests (127.0.0.1 only, port 0).

    serve.py sse --events N [--drop-after K] [--fail 2] [--retry-ms MS] --log FILE
    serve.py sse|ndjson ... --stall-after K --stall-seconds S [--reconnect-delay D]
        the first connection goes silent after event K (ndjson: byte K) for S seconds with the
        connection held open; later connections wait D seconds before answering, then serve the rest
    serve.py prom --page FILE
    serve.py garbage [--type text/event-stream]
    serve.py ndjson --file FILE
    serve.py sse-lines --file FILE    each line of FILE as one SSE event
    any mode: --tls-cert CERT.pem --tls-key KEY.pem serves HTTPS

Prints the chosen port on the first line of stdout, then serves until killed.
"""
import argparse
import http.server
import json
import os
import random
import re
import socket
import sys
import threading
import time

ARGS = None
STATE = {"connections": 0, "scrapes": 0}
LOCK = threading.Lock()


def sse_event(i):
    body = {"ts": 1795000000 + i, "request_id": f"req-{i}", "feature": ["chat", "search", "agent"][i % 3],
            "model": "gpt-4o", "input_tokens": 100 + i, "output_tokens": 10 + (i % 7),
            "cost_usd": (i % 13) / 1000}
    text = json.dumps(body)
    if i % 10 == 0:
        # multi-line data: the JSON split over two data: lines
        half = text.index(",") + 1
        return f"id: {i}\ndata: {text[:half]}\ndata: {text[half:]}\n\n"
    return f"id: {i}\ndata: {text}\n\n"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def chunk(self, data: bytes):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def do_GET(self):
        getattr(self, "mode_" + ARGS.mode.replace("-", "_"))()

    def mode_sse(self):
        with LOCK:
            STATE["connections"] += 1
            n = STATE["connections"]
        last = self.headers.get("Last-Event-ID")
        auth = self.headers.get("Authorization")
        with open(ARGS.log, "a") as f:
            f.write(json.dumps({"connection": n, "last_event_id": last, "authorization": auth}) + "\n")
        if n > 1 and ARGS.reconnect_delay:
            time.sleep(ARGS.reconnect_delay)
        if 1 < n <= 1 + ARGS.fail:
            body = b"busy\n"
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        start = int(last) + 1 if last else 1
        self.chunk(b"retry: %d\n: hello\n\n" % ARGS.retry_ms)
        for i in range(start, ARGS.events + 1):
            ev = sse_event(i).encode()
            if n == 1 and ARGS.stall_after is not None and i == ARGS.stall_after + 1:
                self.stall()
                return
            if n == 1 and i == ARGS.drop_after + 1:
                # half an event, then the connection drops without the closing chunk
                self.chunk(ev[: len(ev) // 2])
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.chunk(ev)
            if i % 50 == 0:
                self.chunk(b": heartbeat\n\n")
        self.chunk(b"")
        self.close_connection = True

    def stall(self):
        """Silence with the connection held open: no byte, no comment, no heartbeat."""
        time.sleep(ARGS.stall_seconds)
        self.close_connection = True

    def mode_sse_lines(self):
        """Each line of --file as one SSE event (ids 1…), then the stream ends."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        with open(ARGS.file, "rb") as f:
            for i, line in enumerate(f, 1):
                self.chunk(b"id: %d\ndata: " % i + line.rstrip(b"\n") + b"\n\n")
        self.chunk(b"")
        self.close_connection = True

    def mode_prom(self):
        with LOCK:
            STATE["scrapes"] += 1
            k = STATE["scrapes"] - 1
        page = open(ARGS.page, "rb").read().decode("utf-8", "surrogateescape")
        # counters advance by 300 hits of 400 queries per scrape: rate 0.75
        page = re.sub(r"(vllm:prefix_cache_hits_total\{[^}]*\}) ([0-9.e+]+)", lambda m: f"{m.group(1)} {float(m.group(2)) + 300 * k}", page)
        page = re.sub(r"(vllm:prefix_cache_queries_total\{[^}]*\}) ([0-9.e+]+)", lambda m: f"{m.group(1)} {float(m.group(2)) + 400 * k}", page)
        body = page.encode("utf-8", "surrogateescape")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def mode_garbage(self):
        rnd = random.Random(7)
        body = bytes(rnd.getrandbits(8) for _ in range(200_000))
        self.send_response(200)
        self.send_header("Content-Type", ARGS.type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def mode_ndjson(self):
        with LOCK:
            STATE["connections"] += 1
            n = STATE["connections"]
        with open(ARGS.log, "a") as f:
            f.write(json.dumps({"connection": n}) + "\n")
        if n > 1 and ARGS.reconnect_delay:
            time.sleep(ARGS.reconnect_delay)
        size = os.path.getsize(ARGS.file)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        with open(ARGS.file, "rb") as f:
            if n == 1 and ARGS.stall_after is not None:
                self.wfile.write(f.read(ARGS.stall_after))
                self.wfile.flush()
                self.stall()
                return
            # Streamed in chunks: the file may be a sparse gigabyte.
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                self.wfile.write(chunk)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["sse", "sse-lines", "prom", "garbage", "ndjson"])
    ap.add_argument("--events", type=int, default=300)
    ap.add_argument("--drop-after", type=int, default=100)
    ap.add_argument("--fail", type=int, default=2)
    ap.add_argument("--retry-ms", type=int, default=50, help="the retry: field sent at the start of each stream")
    ap.add_argument("--log", default=os.devnull)
    ap.add_argument("--page")
    ap.add_argument("--file")
    ap.add_argument("--type", default="text/event-stream")
    ap.add_argument("--stall-after", type=int, help="the first connection goes silent after this event (ndjson: byte)")
    ap.add_argument("--stall-seconds", type=float, default=5)
    ap.add_argument("--reconnect-delay", type=float, default=0, help="seconds before answering a later connection")
    ap.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate (and --tls-key)")
    ap.add_argument("--tls-key")
    ARGS = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if ARGS.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls_cert, ARGS.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
