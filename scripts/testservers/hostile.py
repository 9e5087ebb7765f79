#!/usr/bin/env python3
"""Hostile inputs for every source kind (issue 13 point 8), seeded so a failure repeats.

    hostile.py jsonl OUT      native events between hostile lines
    hostile.py otlp OUT       OTLP/JSON lines, good and hostile (spans get their own ids)
    hostile.py prom OUT       the DCGM/vLLM fixture page with hostile lines among its metrics
    hostile.py nvsmi OUT      nvidia-smi CSV with a BOM, CRLF and hostile rows
    hostile.py spendlogs OUT  a LiteLLM_SpendLogs SQLite table with hostile rows (their startTime unreadable)

Hostile lines: random bytes, truncated UTF-8, NUL bytes, 100k-deep JSON nesting (arrays and objects),
a BOM, CRLF line ends, numbers past any range. Prints {"good": N, "spend": S, "hostile": H} for what a
reader must count.
"""
import json
import os
import random
import sqlite3
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
R = random.Random(13)
DEEP = 100_000


def hostile_lines():
    """Byte strings without a newline (each is one hostile line)."""
    out = [
        bytes(R.getrandbits(8) for _ in range(4000)).replace(b"\n", b" "),
        b'{"ts":"2026-11-28T10:00:00Z","feature":"caf\xc3',             # truncated UTF-8, cut line
        b'{"ts":"2026-11-28T10:00:00Z","feature":"a\x00b","cost_usd":1}',  # NUL inside a string
        b"\x00" * 64,
        b"[" * DEEP + b"]" * DEEP,
        b'{"a":' * DEEP + b"1" + b"}" * DEEP,
        b'{"ts":' + b"[" * DEEP,                                          # deep and cut
        b'{"ts":1e999,"cost_usd":1e999,"input_tokens":1e308}',
        b'{"time":"2026-11-28T10:00:00Z","input_tokens":99999999999999999999999999,"retry":-1e300}',
        b"\xef\xbb\xbf\xef\xbb\xbf",                                      # BOMs alone
        b"\xf4\x90\x80\x80\xed\xa0\x80\xc0\xaf",                          # invalid code points, overlong
    ]
    return out


def jsonl(path):
    good, spend, lines = 0, 0.0, []
    for i, h in enumerate(hostile_lines() * 3):
        cost = round(0.001 * (1 + i % 7), 6)
        line = json.dumps({"ts": "2026-11-28T10:%02d:00Z" % (i % 60), "request_id": "g%d" % i, "feature": "f%d" % (i % 3),
                           "model": "gpt-4o", "cost_usd": cost}).encode()
        if i == 0:
            line = b"\xef\xbb\xbf" + line                                   # a BOM before a good line
        if i % 2:
            line += b"\r"                                                   # CRLF
        lines += [line, h]
        good += 1
        spend += cost
    open(path, "wb").write(b"\n".join(lines) + b"\n")
    return {"good": good, "spend": spend, "hostile": len(lines) - good}


def otlp(path):
    sample = json.loads(open(os.path.join(ROOT, "sample-data/otlp-genai-spans.jsonl")).readline())
    lines, spans = [], 0
    for copy in range(5):
        doc = json.loads(json.dumps(sample))
        for rs in doc["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for sp in ss["spans"]:
                    sp["spanId"] = "%016x" % R.getrandbits(64)
                    spans += 1
        lines.append(json.dumps(doc).encode())
    deep_value = '{"kvlistValue":{"values":[{"key":"k","value":' * 2000 + '{"stringValue":"x"}' + "}]}}" * 2000
    bad = [
        b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"x","startTimeUnixNano":"not a time","attributes":[]}]}]}]}',
        b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"y","startTimeUnixNano":"99999999999999999999999999",'
        b'"attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":"1e999"}}]}]}]}]}',
        b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"z","attributes":[{"key":"gen_ai.request.model","value":'
        + deep_value.encode() + b"}]}]}]}]}",
        b'{"resourceSpans":' + b"[" * DEEP,
        b'{"resourceSpans":"\x00\x00"}',
    ] + hostile_lines()
    out = []
    for i, l in enumerate(lines):
        out += [l, bad[i % len(bad)]]
    out += bad
    open(path, "wb").write(b"\n".join(out) + b"\n")
    return {"good": spans, "spend": 0, "hostile": len(out) - len(lines)}


def prom(path):
    page = open(os.path.join(ROOT, "Tests/SpendCoreTests/Fixtures/dcgm-vllm-metrics.prom"), "rb").read().split(b"\n")
    bad = [
        b'DCGM_FI_DEV_GPU_UTIL{gpu="7",Hostname="h100-z"} 1e999999',
        b'DCGM_FI_DEV_GPU_UTIL{gpu="8",Hostname="' + b"x" * 200_000 + b'"} 50',
        b'DCGM_FI_DEV_GPU_UTIL{gpu="9",Hostname="h100-z',
        b'DCGM_FI_DEV_POWER_USAGE{gpu="0",Hostname="h100-a"} NaN',
        b"\x00\x00 \x00",
        b'vllm:num_requests_waiting{engine="0"} 1 2 3 4',
        b"{" * DEEP,
    ] + hostile_lines()
    out = [b"\xef\xbb\xbf# a BOM first"]
    for i, l in enumerate(page):
        out.append(l + (b"\r" if i % 2 else b""))
        if i % 3 == 0:
            out.append(bad[(i // 3) % len(bad)])
    open(path, "wb").write(b"\n".join(out) + b"\n")
    return {"good": 0, "spend": 0, "hostile": len(bad)}


def nvsmi(path):
    rows = open(os.path.join(ROOT, "Tests/SpendCoreTests/Fixtures/nvidia-smi.csv"), "rb").read().strip().split(b"\n")
    bad = [b"2026/11/28 25:61:02.000, 0, NVIDIA, 1e99999 %, -5 MiB, x, y",
           b"2026/13/45 99:99:99.000, 0, NVIDIA, 50 %, 1 MiB, 2 MiB, 3 W",
           b"\x00,\x00,\x00", b",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,", b'"unterminated, 0, 1'] + hostile_lines()
    out = [b"\xef\xbb\xbf" + rows[0] + b"\r"]
    for i, r in enumerate(rows[1:]):
        out += [r + b"\r", bad[i % len(bad)]]
    out += bad
    open(path, "wb").write(b"\n".join(out) + b"\n")
    return {"good": len(rows) - 1, "spend": 0, "hostile": len(out) - len(rows)}


def spendlogs(path):
    fixture = [json.loads(l) for l in open(os.path.join(ROOT, "Tests/SpendCoreTests/Fixtures/litellm-spendlogs-rows.jsonl")) if l.strip()]
    cols = list(fixture[0].keys())
    db = sqlite3.connect(path)
    db.execute('CREATE TABLE "LiteLLM_SpendLogs" (%s)' % ", ".join('"%s"' % c for c in cols))
    good, spend, hostile = 0, 0.0, 0
    junk = [bytes(R.getrandbits(8) for _ in range(2000)), "a\x00b", "[" * DEEP, '{"a":' * DEEP, "\ud800".encode("utf-8", "surrogatepass"),
            "1e999", float("nan"), float("inf"), 1e30, "\xef\xbb\xbf{}"]
    for i in range(60):
        r = dict(fixture[i % len(fixture)])
        r["request_id"] = "row-%d" % i
        if i % 3 == 2:
            for c in cols:
                if c != "request_id":
                    r[c] = junk[(i + cols.index(c)) % len(junk)]
            r["startTime"] = junk[i % len(junk)] if not isinstance(junk[i % len(junk)], (int, float)) else "not a time"
            hostile += 1
        else:
            r["spend"] = round(0.001 * (1 + i % 5), 6)
            spend += r["spend"]
            good += 1
        vals = [json.dumps(v) if isinstance(v, (dict, list)) else (sqlite3.Binary(v) if isinstance(v, bytes) else v) for v in (r[c] for c in cols)]
        db.execute('INSERT INTO "LiteLLM_SpendLogs" VALUES (%s)' % ",".join("?" * len(cols)), vals)
    db.commit()
    db.close()
    return {"good": good, "spend": spend, "hostile": hostile}


if __name__ == "__main__":
    kind, out = sys.argv[1], sys.argv[2]
    print(json.dumps({"jsonl": jsonl, "otlp": otlp, "prom": prom, "nvsmi": nvsmi, "spendlogs": spendlogs}[kind](out)), flush=True)
