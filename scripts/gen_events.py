#!/usr/bin/env python3
"""Deterministic generator of spendtop native-schema JSONL events (SPEC §3).

    gen_events.py --events N --out FILE [--seed S] [--start 2026-11-27T00:00:00Z]
                  [--span-hours H] [--gpu [--gpu-interval SECONDS]]
    gen_events.py --selftest

Pure stdlib and seeded: the same arguments always give the same bytes, so the bench file and
sample-data/day.jsonl can be rebuilt anywhere. Shape of the traffic:
- 10 features with their own volume, daily rhythm, models and token sizes;
- thousands of API keys with a Zipf-like long tail (a few aliases such as `prod-web` carry most
  traffic, most `sk-proj-…` keys are tiny);
- 12 models across openai/anthropic/google, cost_usd priced with the SPEC §4 formula from
  LiteLLM-style per-token prices (whole-request >200k tier, batch at half price);
- lines are written in completion order, so `ts` (request start) is mostly non-decreasing, some
  a few seconds back and a few late by up to 2 minutes;
- two incidents: an anthropic 429 storm (~40% into the span) and a runaway agent-planner key
  (~58% in); with --gpu, one GPU sits idle (memory still held) for an hour (~25% in).

Fields whose value is the default (zero cache/reasoning tokens, retry 0, cache_hit false,
batch false, ttft on non-streamed requests) are left out, as many gateways do: with every field
on every line a line would be ~460 bytes, and the bench file is meant to be ~320 MB per 1M events.
cost_usd is written as Python writes a float (like LiteLLM's logs), so small costs carry an
exponent (`8.81e-05`) and failed or cached calls are `0.0`.
"""
from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import json
import math
import random
import re
import statistics
import string
import sys
import time
from dataclasses import dataclass

# ---------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Model:
    name: str
    provider: str
    rates: tuple[float, float, float, float]   # USD/token: input, output, cache_read, cache_write
    tier: tuple[int, tuple] | None              # (threshold, rates) billed on the WHOLE request
    max_input: int                              # context window minus room for the answer
    reasoning_p: float                          # share of calls that report reasoning tokens
    caches_writes: bool                         # only Anthropic bills cache writes separately
    ttft_ms: int                                # median time to first token
    tokens_per_s: int                           # decode speed, for latency


# Prices as in LiteLLM's model_prices_and_context_window.json (USD per token). A provider with no
# separate cache-write price never reports cache_write_tokens, so its rate there is unused.
MODELS = [
    Model("gpt-4o", "openai", (2.5e-6, 1e-5, 1.25e-6, 2.5e-6), None, 120_000, 0, False, 450, 90),
    Model("gpt-4o-mini", "openai", (1.5e-7, 6e-7, 7.5e-8, 1.5e-7), None, 120_000, 0, False, 350, 120),
    Model("gpt-4.1-mini", "openai", (4e-7, 1.6e-6, 1e-7, 4e-7), None, 1_000_000, 0, False, 400, 110),
    Model("gpt-5", "openai", (1.25e-6, 1e-5, 1.25e-7, 1.25e-6), None, 270_000, 1.0, False, 1800, 70),
    Model("gpt-5-mini", "openai", (2.5e-7, 2e-6, 2.5e-8, 2.5e-7), None, 270_000, 1.0, False, 900, 110),
    Model("o4-mini", "openai", (1.1e-6, 4.4e-6, 2.75e-7, 1.1e-6), None, 190_000, 1.0, False, 1500, 100),
    Model("claude-sonnet-4-5", "anthropic", (3e-6, 1.5e-5, 3e-7, 3.75e-6),
          (200_000, (6e-6, 2.25e-5, 6e-7, 7.5e-6)), 990_000, 0, True, 700, 65),
    Model("claude-haiku-4-5", "anthropic", (1e-6, 5e-6, 1e-7, 1.25e-6), None, 190_000, 0, True, 400, 130),
    Model("claude-opus-4-1", "anthropic", (1.5e-5, 7.5e-5, 1.5e-6, 1.875e-5), None, 190_000, 0, True, 1100, 40),
    Model("gemini-2.5-pro", "google", (1.25e-6, 1e-5, 3.125e-7, 1.25e-6),
          (200_000, (2.5e-6, 1.5e-5, 6.25e-7, 2.5e-6)), 1_000_000, 1.0, False, 1600, 80),
    Model("gemini-2.5-flash", "google", (3e-7, 2.5e-6, 7.5e-8, 3e-7), None, 1_000_000, 0.5, False, 500, 180),
    Model("gemini-2.0-flash", "google", (1e-7, 4e-7, 2.5e-8, 1e-7), None, 1_000_000, 0, False, 300, 200),
]
MODEL_BY_NAME = {m.name: m for m in MODELS}


def price(m: Model, inp: int, out: int, cache_read: int, cache_write: int, batch: bool) -> float:
    """SPEC §4 (LiteLLM's generic_cost_per_token): reasoning is billed as output."""
    r_in, r_out, r_cr, r_cw = m.tier[1] if m.tier and inp > m.tier[0] else m.rates
    cost = max(inp - cache_read - cache_write, 0) * r_in + cache_read * r_cr + cache_write * r_cw + out * r_out
    return round(cost * 0.5 if batch else cost, 9)


def bell(hour: float, centre: float, width: float) -> float:
    d = abs(hour - centre) % 24
    d = min(d, 24 - d)
    return math.exp(-0.5 * (d / width) ** 2)


# Daily rhythm per kind of traffic (hour is UTC; peaks where EU afternoon meets US morning).
SHAPES = {
    "office": lambda h: 0.12 + bell(h, 15, 4.0),        # people at work
    "ci": lambda h: 0.05 + bell(h, 15.5, 3.5),          # pushes and pull requests
    "consumer": lambda h: 0.35 + 0.8 * bell(h, 19, 5),  # end users, evening peak
    "nightly": lambda h: 0.25 + 1.6 * bell(h, 2, 1.5),  # batch jobs after midnight
    "steady": lambda h: 0.6 + 0.4 * bell(h, 16, 6),
}
WEEKEND = {"office": 0.35, "ci": 0.2, "consumer": 1.1, "nightly": 1.0, "steady": 0.8}


@dataclass(frozen=True)
class Feature:
    name: str
    team: str
    weight: float            # share of volume at the shape's peak
    shape: str
    models: dict[str, float]
    in_median: int           # tokens; log-normal around it
    in_sigma: float
    out_median: int          # visible output tokens (reasoning comes on top)
    out_sigma: float
    cache_p: float           # share of calls with a prompt-cache read
    cache_frac: float        # how much of the prompt such a read covers
    huge_p: float            # share of very long contexts (120k-380k; crosses the 200k tiers)
    aliases: tuple[str, ...]  # named keys: the heavy head of the key distribution
    n_keys: int              # sk-proj-… keys: the long tail
    streamed: bool = True    # ttft_ms is only known for streamed answers
    batch_p: float = 0.0
    gw_cache_p: float = 0.0  # gateway response-cache hits
    batch_eligible: bool = False  # latency-tolerant: every line says `batch_eligible: true`


FEATURES = [
    Feature("search-rerank", "search", 24, "consumer", {"gemini-2.0-flash": 70, "gpt-5-mini": 10, "gpt-4.1-mini": 20},
            1400, 0.5, 25, 0.5, 0.2, 0.5, 0, ("prod-web", "prod-api"), 90, streamed=False, gw_cache_p=0.03),
    Feature("rag-search", "search", 20, "consumer", {"gpt-4o-mini": 50, "gemini-2.5-flash": 30, "gpt-4.1-mini": 20},
            3000, 0.6, 220, 0.6, 0.35, 0.5, 0, ("prod-web", "prod-api"), 300, streamed=False, gw_cache_p=0.02),
    Feature("support-chat", "support", 15, "consumer", {"gpt-4o": 40, "claude-haiku-4-5": 40, "gpt-4o-mini": 20},
            2200, 0.7, 280, 0.6, 0.55, 0.7, 0, ("prod-web", "zendesk-bot"), 150, gw_cache_p=0.015),
    Feature("code-review", "devex", 10, "ci", {"claude-sonnet-4-5": 60, "gpt-5": 25, "gpt-4.1-mini": 15},
            7000, 0.9, 650, 0.7, 0.5, 0.6, 0.003, ("ci", "gh-app"), 400),
    Feature("translate", "content", 8, "steady", {"gemini-2.0-flash": 60, "gpt-4o-mini": 40},
            700, 0.8, 750, 0.8, 0.1, 0.4, 0, ("prod-api", "localization"), 200, streamed=False, batch_p=0.03,
            gw_cache_p=0.02),
    Feature("summarizer", "content", 7, "nightly", {"gemini-2.5-flash": 50, "gpt-4o-mini": 30, "gemini-2.5-pro": 20},
            9000, 0.8, 380, 0.5, 0.15, 0.3, 0.002, ("batch-etl",), 80, streamed=False, batch_p=0.12,
            batch_eligible=True),
    Feature("agent-planner", "agents", 6, "office",
            {"claude-sonnet-4-5": 45, "o4-mini": 25, "gpt-5": 15, "claude-opus-4-1": 15},
            14000, 0.9, 900, 0.7, 0.75, 0.8, 0.006, ("agents-prod", "agents-eval"), 500),
    Feature("email-draft", "growth", 4, "office", {"gpt-4o": 50, "claude-haiku-4-5": 50},
            650, 0.6, 380, 0.5, 0.1, 0.5, 0, ("prod-web", "mobile-ios", "mobile-android"), 800),
    Feature("sql-copilot", "data", 3, "office", {"gpt-5": 40, "claude-sonnet-4-5": 40, "gpt-5-mini": 20},
            4500, 0.6, 300, 0.6, 0.6, 0.7, 0, ("internal-tools",), 300),
    Feature("onboarding-bot", "growth", 2, "consumer", {"claude-haiku-4-5": 70, "gpt-4o-mini": 30},
            1800, 0.5, 250, 0.5, 0.5, 0.6, 0, ("prod-web",), 200, gw_cache_p=0.01),
]

GATEWAYS = (("gw-use1", 55), ("gw-euw1", 35), ("gw-apse1", 10))
N_USERS = 20_000
GPU_NODES = ("h100-a", "h100-b")
GPUS_PER_NODE = 4
GPU_MEM_MB = 81920
IDLE_GPU = ("h100-b", 2)
LATE_MAX_MS = 120_000

# Incidents as (start, end) fractions of the span.
STORM = (0.40, 0.42)      # anthropic answers 429 to most calls; clients retry
RUNAWAY = (0.58, 0.60)    # one agent-planner key loops on claude-opus with big outputs
IDLE = 0.25               # one GPU idle (memory held, no work) for an hour from here

# Standard normal quantiles: a table lookup is much cheaper than random.gauss in the hot loop.
NZ = 4096
Z = [statistics.NormalDist().inv_cdf((i + 0.5) / NZ) for i in range(NZ)]
ALNUM = string.ascii_letters + string.digits

# ---------------------------------------------------------------- generation


def parse_start(text: str) -> int:
    """RFC 3339 → epoch ms (UTC)."""
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return int(t.timestamp() * 1000)


class _KeyPool:
    """Zipf-like key pool for one feature: rank r gets weight 1/(r+1)^1.3."""

    def __init__(self, rng: random.Random, feature: Feature):
        keys = list(feature.aliases)
        keys += ["sk-proj-" + "".join(rng.choices(ALNUM, k=24)) for _ in range(feature.n_keys)]
        self.keys = keys
        self.cum = _cumulative([1 / (r + 1) ** 1.3 for r in range(len(keys))])


def _cumulative(weights) -> list[float]:
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def _minute_weights(rng, start_ms: int, n_minutes: int, runaway: range) -> list[list[float]]:
    """Per-minute, per-feature event weights: daily shape × weekend × noise × incident."""
    planner = next(i for i, f in enumerate(FEATURES) if f.name == "agent-planner")
    rows = []
    for m in range(n_minutes):
        t = dt.datetime.fromtimestamp((start_ms + m * 60_000) / 1000, dt.timezone.utc)
        hour = t.hour + t.minute / 60
        weekend = t.weekday() >= 5
        # one factor for the whole minute (bursty traffic) and one per feature
        burst = math.exp(0.12 * rng.gauss(0, 1))
        row = []
        for i, f in enumerate(FEATURES):
            w = f.weight * SHAPES[f.shape](hour) * burst * math.exp(0.15 * rng.gauss(0, 1))
            if weekend:
                w *= WEEKEND[f.shape]
            if i == planner and m in runaway:
                w *= 3
            row.append(w)
        rows.append(row)
    return rows


def _counts(rows, n_events):
    """Split n_events over minutes by weight, summing to exactly n_events (cumulative rounding)."""
    totals = [sum(r) for r in rows]
    scale = n_events / sum(totals)
    counts, acc, prev = [], 0.0, 0
    for t in totals:
        acc += t * scale
        cur = round(acc)
        counts.append(cur - prev)
        prev = cur
    counts[-1] += n_events - prev
    return counts


def _gpu_lines(rng, tick_ms, load, idle_window, fmt_ts):
    """One sample per GPU at tick_ms; load in 0..1 follows the day's traffic."""
    out = []
    ts = fmt_ts(tick_ms)
    for node in GPU_NODES:
        for g in range(GPUS_PER_NODE):
            offset = (g - 1.5) * 3 + (4 if node == "h100-b" else 0)
            noise = (rng.random() + rng.random() + rng.random() - 1.5) * 8
            mem = 73_000 + int(rng.random() * 3_000)
            if (node, g) == IDLE_GPU and idle_window[0] <= tick_ms < idle_window[1]:
                util, queue, power = 0.0, 0, 68 + rng.random() * 6   # idle, model still loaded
            else:
                util = min(100.0, max(0.0, 12 + 80 * load + offset + noise))
                queue = max(0, int((util - 70) / 2.5 + rng.random() * 3))
                power = 75 + 6.1 * util + rng.random() * 15
            out.append(f'{{"ts":"{ts}","kind":"gpu","node":"{node}","gpu":{g},"util_pct":{util:.1f},'
                       f'"mem_used_mb":{mem},"mem_total_mb":{GPU_MEM_MB},"power_w":{power:.1f},'
                       f'"queue_depth":{queue}}}\n')
    return out


def _fmt_ts_factory():
    prefixes: dict[int, str] = {}

    def fmt_ts(ms: int) -> str:
        # strftime per event is slow; the "YYYY-MM-DDTHH:MM:" prefix is cached per minute.
        mk = ms // 60_000
        p = prefixes.get(mk)
        if p is None:
            p = prefixes[mk] = dt.datetime.fromtimestamp(mk * 60, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:")
        rem = ms - mk * 60_000
        return f"{p}{rem // 1000:02d}.{rem % 1000:03d}Z"
    return fmt_ts


def _tokens(r, fe: Feature, mdl: Model, long_answers: bool):
    """(input, output, reasoning, cache_read, cache_write): log-normal sizes, rare very long
    contexts, cache tokens a subset of input and reasoning a subset of output."""
    if fe.huge_p and r() < fe.huge_p:
        inp = 120_000 + int(r() * 260_000)
    else:
        inp = int(fe.in_median * math.exp(fe.in_sigma * Z[int(r() * NZ)])) + 1
    inp = min(inp, mdl.max_input)
    out = int(fe.out_median * math.exp(fe.out_sigma * Z[int(r() * NZ)])) + 1
    if long_answers:
        out *= 2
    reas = int(out * (0.3 + 3 * r())) if mdl.reasoning_p and r() < mdl.reasoning_p else 0
    cr = cw = 0
    if r() < fe.cache_p:
        cr = int(inp * fe.cache_frac * (0.6 + 0.4 * r()))
        if mdl.caches_writes and r() < 0.15:
            cw = int((inp - cr) * (0.3 + 0.6 * r()))
    return inp, out + reas, reas, cr, cw


def _status(r, mdl: Model, in_storm: bool):
    """(status as a JSON literal, retry): mostly "ok", some 429/500/503/"error"."""
    u = r()
    if in_storm and mdl.provider == "anthropic" and u < 0.6:
        return "429", int(r() * 4)            # clients retry into the storm
    if u < 0.976:
        return '"ok"', (0 if r() >= 0.018 else 1 if r() < 0.85 else 2)
    if u < 0.986:
        return "429", 0
    if u < 0.990:
        return "500", 0
    if u < 0.994:
        return "503", 0
    return '"error"', 0


def _start_ms(r, w_ms: int) -> int:
    """Request start from the write time: a line is written when its request completes, so a
    fifth of them are stamped up to 5 s back and 0.5% are late by up to LATE_MAX_MS."""
    u = r()
    if u < 0.80:
        return w_ms
    if u < 0.995:
        return w_ms - int(r() * 5_000)
    return w_ms - 5_000 - int(r() * (LATE_MAX_MS - 5_000))


class _Traffic:
    """Tables drawn once per seed, and one event line at a time."""

    def __init__(self, rng: random.Random, start_ms: int):
        self.r = rng.random
        self.start_ms = start_ms
        self.pools = [_KeyPool(rng, f) for f in FEATURES]
        self.models = [[MODEL_BY_NAME[name] for name in f.models] for f in FEATURES]
        self.model_cum = [_cumulative(f.models.values()) for f in FEATURES]
        self.gw_names = [g for g, _ in GATEWAYS]
        self.gw_cum = _cumulative(w for _, w in GATEWAYS)
        self.planner = next(i for i, f in enumerate(FEATURES) if f.name == "agent-planner")
        self.opus = MODEL_BY_NAME["claude-opus-4-1"]
        self.runaway_key = self.pools[self.planner].keys[37]   # a mid-tail key that suddenly spends
        self.fmt_ts = _fmt_ts_factory()

    def event(self, rid: str, fi: int, w_ms: int, in_storm: bool, in_runaway: bool) -> str:
        r, fe, pool = self.r, FEATURES[fi], self.pools[fi]
        if in_runaway and fi == self.planner and r() < 0.8:
            key, mdl = self.runaway_key, self.opus
        else:
            key = pool.keys[bisect.bisect(pool.cum, r() * pool.cum[-1])]
            cum = self.model_cum[fi]
            mdl = self.models[fi][bisect.bisect(cum, r() * cum[-1])]
        inp, out, reas, cr, cw = _tokens(r, fe, mdl, in_runaway and mdl is self.opus)
        status, retry = _status(r, mdl, in_storm)
        gw_hit = batch = False
        if status == '"ok"':
            ttft = int(mdl.ttft_ms * math.exp(0.35 * Z[int(r() * NZ)]) + inp * 0.02)
            lat = ttft + int(out * 1000 / mdl.tokens_per_s * math.exp(0.2 * Z[int(r() * NZ)]))
            if fe.gw_cache_p and r() < fe.gw_cache_p:
                gw_hit, cost = True, 0.0          # served by the gateway: no provider bill
                lat = ttft = 4 + int(r() * 40)
            else:
                if fe.batch_p and r() < fe.batch_p:
                    batch = True
                    lat, ttft = 60_000 + int(r() * 3_540_000), 0   # not streamed
                cost = price(mdl, inp, out, cr, cw, batch)
        elif status == '"error"':
            # the model answered but the call failed after it (a timeout downstream, an answer that
            # failed validation): billed in full, the spend the savings advisor's failed_requests counts
            lat = 200 + int(r() * 29_800)
            ttft = 0
            cost = price(mdl, inp, out, cr, cw, False)
        else:
            # other failed calls are not billed; a 429 is refused before the prompt is read
            lat = 20 + int(r() * 180) if status == "429" else 200 + int(r() * 29_800)
            inp = inp if status != "429" else 0
            out = reas = cr = cw = ttft = 0
            cost = 0.0
        t_ms = max(self.start_ms, _start_ms(r, w_ms))
        user = int(N_USERS * r() ** 2.5)           # a few heavy users, a long tail
        gw = self.gw_names[bisect.bisect(self.gw_cum, r() * self.gw_cum[-1])]

        # Fields at their default are left out (see the module docstring).
        tok = f',"cache_read_tokens":{cr}' if cr else ""
        if cw:
            tok += f',"cache_write_tokens":{cw}'
        if reas:
            tok += f',"reasoning_tokens":{reas}'
        ttft_s = f',"ttft_ms":{ttft}' if ttft and fe.streamed else ""
        tail = f',"retry":{retry}' if retry else ""
        if gw_hit:
            tail += ',"cache_hit":true'
        if batch:
            tail += ',"batch":true'
        if fe.batch_eligible:
            tail += ',"batch_eligible":true'
        return (f'{{"ts":"{self.fmt_ts(t_ms)}","request_id":"{rid}","feature":"{fe.name}",'
                f'"api_key":"{key}","team":"{fe.team}","user":"u{user:05d}","provider":"{mdl.provider}",'
                f'"model":"{mdl.name}","gateway":"{gw}","input_tokens":{inp},"output_tokens":{out}{tok},'
                f'"cost_usd":{cost!r},"latency_ms":{lat}{ttft_s},"status":{status}{tail}}}\n')


def _window(frac: tuple[float, float], n_minutes: int) -> range:
    lo = int(frac[0] * n_minutes)
    return range(lo, max(int(frac[1] * n_minutes), lo + 1))


def generate(n_events: int, seed: int, start: str, span_hours: float,
             gpu: bool = False, gpu_interval_s: float = 15.0):
    """Yield chunks of JSONL text, one per minute of the span, in write order."""
    rng = random.Random(seed)
    r = rng.random
    start_ms = parse_start(start)
    span_ms = int(span_hours * 3_600_000)
    end_ms = start_ms + span_ms
    n_minutes = max(1, math.ceil(span_ms / 60_000))
    traffic = _Traffic(rng, start_ms)
    rid_prefix = hashlib.sha256(str(seed).encode()).hexdigest()[:4]   # ids differ across seeds

    storm, runaway = _window(STORM, n_minutes), _window(RUNAWAY, n_minutes)
    rows = _minute_weights(rng, start_ms, n_minutes, runaway)
    counts = _counts(rows, n_events)
    peak = max(sum(row) for row in rows)
    idle_from = start_ms + int(IDLE * span_ms)
    idle_window = (idle_from, idle_from + min(3_600_000, span_ms // 4 or 1))
    gpu_step = int(gpu_interval_s * 1000)
    next_tick = start_ms if gpu else end_ms

    feature_ids = list(range(len(FEATURES)))
    seq = 0
    for m in range(n_minutes):
        minute_ms = start_ms + m * 60_000
        n = counts[m]
        fids = rng.choices(feature_ids, cum_weights=_cumulative(rows[m]), k=n)
        # write (completion) times within the minute, in order; a partial last minute is cut short
        width = min(60_000, end_ms - minute_ms)
        offs = sorted(int(r() * width) for _ in range(n))
        in_storm, in_runaway = m in storm, m in runaway
        load = sum(rows[m]) / peak
        lines = []
        for fi, off in zip(fids, offs):
            w_ms = minute_ms + off
            while next_tick <= w_ms and next_tick < end_ms:       # GPU samples in time order
                lines += _gpu_lines(rng, next_tick, load, idle_window, traffic.fmt_ts)
                next_tick += gpu_step
            seq += 1
            lines.append(traffic.event(f"{rid_prefix}{seq:08x}", fi, w_ms, in_storm, in_runaway))
        while next_tick < min(minute_ms + 60_000, end_ms):
            lines += _gpu_lines(rng, next_tick, load, idle_window, traffic.fmt_ts)
            next_tick += gpu_step
        yield "".join(lines)


def write_file(path: str, n_events: int, seed: int, start: str, span_hours: float,
               gpu: bool = False, gpu_interval_s: float = 15.0) -> int:
    """Write the events to path; return the number of bytes written."""
    size = 0
    with open(path, "w", encoding="utf-8", newline="\n", buffering=4 << 20) as f:
        for chunk in generate(n_events, seed, start, span_hours, gpu, gpu_interval_s):
            f.write(chunk)
            size += len(chunk)          # ASCII only, so characters == bytes
    return size


# ---------------------------------------------------------------- self-test

TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
FIELD_ORDER = ["ts", "request_id", "feature", "api_key", "team", "user", "provider", "model", "gateway",
               "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens",
               "cost_usd", "latency_ms", "ttft_ms", "status", "retry", "cache_hit", "batch", "batch_eligible"]
REQUIRED = {"ts", "request_id", "feature", "api_key", "team", "user", "provider", "model", "gateway",
            "input_tokens", "output_tokens", "cost_usd", "latency_ms", "status"}


def selftest(n_events: int = 10_000) -> int:
    args = dict(n_events=n_events, seed=1, start="2026-11-27T00:00:00Z", span_hours=24, gpu=True)
    text = "".join(generate(**args))
    problems: list[str] = []

    def check(ok: bool, msg: str):
        if not ok and len(problems) < 20:
            problems.append(msg)

    check(hashlib.sha256(text.encode()).digest() == hashlib.sha256("".join(generate(**args)).encode()).digest(),
          "two runs with the same seed differ")
    events, gpus, ids = [], [], set()
    for no, line in enumerate(text.splitlines(), 1):
        try:
            obj = json.loads(line)
        except ValueError as e:
            check(False, f"line {no}: invalid JSON ({e}): {line[:120]}")
            continue
        check(TS_RE.match(obj.get("ts", "")) is not None, f"line {no}: bad ts {obj.get('ts')!r}")
        (gpus if obj.get("kind") == "gpu" else events).append((obj, len(line) + 1))
    check(len(events) == n_events, f"{len(events)} events, expected {n_events}")

    prev_ms = newest = back = late = 0
    for obj, _ in events:
        check(REQUIRED <= obj.keys(), f"missing {REQUIRED - obj.keys()} in {obj.get('request_id')}")
        keys = list(obj)
        check(keys == [k for k in FIELD_ORDER if k in obj], f"field order {keys}")
        check(obj["request_id"] not in ids, f"duplicate request_id {obj['request_id']}")
        ids.add(obj["request_id"])
        inp, out = obj["input_tokens"], obj["output_tokens"]
        cr, cw, rs = (obj.get(k, 0) for k in ("cache_read_tokens", "cache_write_tokens", "reasoning_tokens"))
        check(all(isinstance(v, int) and v >= 0 for v in (inp, out, cr, cw, rs)), f"token types {obj}")
        check(cr + cw <= inp and rs <= out, f"subset rule broken {obj}")
        cost = obj["cost_usd"]
        check(isinstance(cost, float) and cost == round(cost, 9), f"cost not rounded {obj}")
        if obj["status"] in ("ok", "error") and not obj.get("cache_hit"):
            want = price(MODEL_BY_NAME[obj["model"]], inp, out, cr, cw, obj.get("batch", False))
            check(cost == want, f"cost {cost} != {want} for {obj}")
        check(obj["status"] in ("ok", "error", 429, 500, 503), f"status {obj['status']!r}")
        check(obj.get("batch_eligible", False) == (obj["feature"] == "summarizer"), f"batch_eligible {obj}")
        check(MODEL_BY_NAME[obj["model"]].provider == obj["provider"], f"provider {obj}")
        t = parse_start(obj["ts"])
        back += t < prev_ms
        late = max(late, newest - t)
        prev_ms, newest = t, max(newest, t)
    check(back / n_events < 0.25, f"{back} of {n_events} timestamps go back")
    check(late <= LATE_MAX_MS, f"an event is {late} ms late")

    series = {(g["node"], g["gpu"]) for g, _ in gpus}
    check(len(series) == len(GPU_NODES) * GPUS_PER_NODE, f"GPU series {series}")
    idle = sum(1 for g, _ in gpus if (g["node"], g["gpu"]) == IDLE_GPU and g["util_pct"] == 0.0)
    check(idle * 15 >= 3600 - 15, f"idle GPU samples: {idle}")

    avg = sum(n for _, n in events) / max(1, len(events))
    features = {o["feature"] for o, _ in events}
    keys = {o["api_key"] for o, _ in events}
    print(f"selftest: {len(events)} events, {len(gpus)} GPU samples, {len(features)} features, "
          f"{len(keys)} keys, avg {avg:.0f} B/event, {back} steps back, max late {late / 1000:.1f} s")
    for p in problems:
        print("FAIL:", p)
    print("selftest", "FAILED" if problems else "OK")
    return 1 if problems else 0


# ---------------------------------------------------------------- CLI


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--out", help="output file (required unless --selftest)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--start", default="2026-11-27T00:00:00Z", help="RFC 3339 start of the span")
    ap.add_argument("--span-hours", type=float, default=24.0)
    ap.add_argument("--gpu", action="store_true", help="add GPU samples for 2 nodes x 4 GPUs")
    ap.add_argument("--gpu-interval", type=float, default=15.0, metavar="SECONDS")
    ap.add_argument("--selftest", action="store_true", help="check 10k generated lines and exit")
    a = ap.parse_args(argv)
    if a.selftest:
        return selftest()
    if not a.out:
        ap.error("--out is required")
    if a.events < 0 or a.span_hours <= 0 or a.gpu_interval <= 0:
        ap.error("--events must be >= 0, --span-hours and --gpu-interval > 0")
    t0 = time.perf_counter()
    size = write_file(a.out, a.events, a.seed, a.start, a.span_hours, a.gpu, a.gpu_interval)
    print(f"{a.out}: {a.events} events, {size / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
