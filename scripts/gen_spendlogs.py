#!/usr/bin/env python3
"""Rows of LiteLLM's LiteLLM_SpendLogs table, as CSV for PostgreSQL's COPY (make bench).

    gen_spendlogs.py --rows 1000000 [--seed 42] [--start 2026-11-27T00:00:00Z] [--span-hours 24]
        | psql -c '\\copy "LiteLLM_SpendLogs"(COLUMNS) FROM STDIN WITH (FORMAT csv)'

The shape is LiteLLM's (the proxy's own rows in shared/formats/litellm-spendlogs-rows.jsonl): a
SHA-256 `api_key`, the alias and team in `metadata`, cache tokens in
`metadata.additional_usage_values`, `request_tags` as a JSON array with a `feature:NAME` tag,
a metadata object of about 2 KB (so PostgreSQL TOASTs it, as it does the proxy's), heavy-tailed
tokens and spend, Zipf-popular features, keys and models. `COLUMNS` is printed by --columns.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import random
import sys

COLUMNS = ["request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens",
           "startTime", "endTime", "request_duration_ms", "completionStartTime", "model", "model_id", "model_group",
           "custom_llm_provider", "api_base", "user", "metadata", "cache_hit", "cache_key", "request_tags", "team_id",
           "end_user", "session_id", "status"]

FEATURES = ["rag-search", "support-chat", "summarize", "code-review", "translate", "classify", "agent-loop",
            "extract", "autocomplete", "eval-harness", "onboarding-bot", "sql-assist"]
MODELS = [("gpt-4o", "openai", 2.5e-6, 1e-5), ("gpt-5", "openai", 1.25e-6, 1e-5), ("o4-mini", "openai", 1.1e-6, 4.4e-6),
          ("claude-sonnet-4-5", "anthropic", 3e-6, 1.5e-5), ("claude-haiku-4-5", "anthropic", 1e-6, 5e-6),
          ("gemini-2.5-pro", "gemini", 1.25e-6, 1e-5), ("gemini-2.5-flash", "gemini", 3e-7, 2.5e-6),
          ("mistral-large", "mistral", 2e-6, 6e-6), ("llama-3.3-70b", "groq", 5.9e-7, 7.9e-7),
          ("text-embedding-3-small", "openai", 2e-8, 0.0)]
TEAMS = ["", "team-search", "team-support", "team-platform", "team-data", "team-growth", "team-ml", "team-infra"]
N_KEYS = 2000

# The static part of LiteLLM's metadata (keys the proxy always writes), as JSON text once.
STATIC_META = json.dumps({
    "actor_agent_id": None, "target_agent_id": None, "billing_agent_id": None, "agent_execution_mode": None,
    "verified_human_user_id": None, "user_api_key": None, "user_api_key_project_id": None,
    "user_api_key_project_alias": None, "user_api_key_org_id": None, "user_api_key_user_id": None,
    "user_api_key_team_alias": None, "spend_logs_metadata": None, "requester_ip_address": None, "user_agent": None,
    "applied_guardrails": [], "mcp_tool_call_metadata": None, "vector_store_request_metadata": None,
    "routing_decision": None, "internal_call_origin": None, "guardrail_information": None, "eval_information": None,
    "status": None, "proxy_server_request": None, "batch_models": None, "batch_successful_requests": None,
    "batch_failed_requests": None, "error_information": None, "cold_storage_object_key": None,
    "litellm_overhead_time_ms": 1.2, "max_retries": None, "attempted_fallbacks": None, "original_model_group": None,
    "cost_breakdown": None, "compression_savings": None, "litellm_gateway_injected_cache": None,
    "autorouter_savings": None, "router_metadata": None, "azure_spillover": None, "used_client_oauth_token": None,
})[1:-1]


def model_map(name: str, inp: float, out: float) -> str:
    value = {"key": name, "max_tokens": 128000, "max_input_tokens": 272000, "max_output_tokens": 128000,
             "input_cost_per_token": inp, "output_cost_per_token": out, "cache_read_input_token_cost": inp / 10,
             "cache_creation_input_token_cost": None, "input_cost_per_token_batches": inp / 2,
             "output_cost_per_token_batches": out / 2, "litellm_provider": "openai", "mode": "chat",
             "supports_function_calling": True, "supports_parallel_function_calling": True, "supports_vision": True,
             "supports_prompt_caching": True, "supports_reasoning": True, "supports_response_schema": True,
             "supports_system_messages": True, "supports_tool_choice": True, "supports_web_search": False,
             "tpm": None, "rpm": None, "search_context_cost_per_query": None, "supported_endpoints": ["/v1/chat/completions"]}
    return json.dumps({"model_map_key": name, "model_map_value": value})


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1 / (i + 1) ** s for i in range(n)]


def csv_field(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def write(out, rows: int, seed: int, start: dt.datetime, span_hours: float) -> None:
    rng = random.Random(seed)
    keys = [hashlib.sha256(f"sk-bench-{seed}-{i}".encode()).hexdigest() for i in range(N_KEYS)]
    aliases = [f"svc-{i}" if i % 5 < 3 else None for i in range(N_KEYS)]
    key_teams = [TEAMS[i % len(TEAMS)] for i in range(N_KEYS)]
    maps = {m[0]: model_map(*m[:1], m[2], m[3]) for m in MODELS}
    fw, kw, mw = zipf_weights(len(FEATURES)), zipf_weights(N_KEYS, 0.9), zipf_weights(len(MODELS), 0.8)
    t0 = start.timestamp()
    span = span_hours * 3600
    epoch = dt.datetime(1970, 1, 1)
    feats = rng.choices(range(len(FEATURES)), fw, k=rows)
    ks = rng.choices(range(N_KEYS), kw, k=rows)
    ms = rng.choices(range(len(MODELS)), mw, k=rows)
    write_line = out.write
    for i in range(rows):
        f, k, m = feats[i], ks[i], ms[i]
        model, provider, inp, outp = MODELS[m]
        at = t0 + span * i / rows + rng.random()
        start_ms = int(at * 1000)
        latency = int(min(600_000, rng.lognormvariate(6.2, 0.9)))
        prompt = int(min(400_000, rng.paretovariate(1.3) * 400))
        completion = 0 if model.startswith("text-embedding") else int(min(60_000, rng.paretovariate(1.5) * 120))
        cached = int(prompt * rng.random() * 0.8) if rng.random() < 0.4 else 0
        reasoning = int(completion * 0.6) if model in ("gpt-5", "o4-mini") else 0
        spend = (prompt - cached) * inp + cached * inp / 10 + completion * outp
        error = rng.random() < 0.02
        retries = 1 if rng.random() < 0.03 else 0
        st = (epoch + dt.timedelta(milliseconds=start_ms)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        en = (epoch + dt.timedelta(milliseconds=start_ms + latency)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        alias = aliases[k]
        team = key_teams[k]
        meta = ('{' + STATIC_META + ', "user_api_key_alias": ' + (json.dumps(alias) if alias else "null")
                + ', "user_api_key_team_id": ' + (json.dumps(team) if team else "null")
                + f', "litellm_call_id": "call-{seed}-{i}", "attempted_retries": {retries}'
                + ', "additional_usage_values": {"prompt_tokens_details": {"cached_tokens": ' + str(cached)
                + ', "audio_tokens": null}, "completion_tokens_details": {"reasoning_tokens": ' + str(reasoning)
                + '}, "cache_read_input_tokens": ' + str(cached) + '}'
                + ', "usage_object": {"prompt_tokens": ' + str(prompt) + ', "completion_tokens": ' + str(completion)
                + ', "total_tokens": ' + str(prompt + completion) + '}'
                + ', "model_map_information": ' + maps[model] + '}')
        tags = '["feature:' + FEATURES[f] + '"]' if rng.random() < 0.97 else '[]'
        write_line(",".join((
            f"bench-{seed}-{i}", "acompletion", keys[k], repr(spend), str(prompt + completion), str(prompt),
            str(completion), st, en, str(latency), en, model, "", model, provider, "", "", csv_field(meta),
            "None", "Cache OFF", csv_field(tags), team, "", f"s-{i % 9973}", "failure" if error else "success",
        )) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--start", default="2026-11-27T00:00:00Z")
    ap.add_argument("--span-hours", type=float, default=24.0)
    ap.add_argument("--columns", action="store_true", help="print the COPY column list and exit")
    a = ap.parse_args(argv)
    if a.columns:
        print(",".join(f'"{c}"' for c in COLUMNS))
        return 0
    start = dt.datetime.fromisoformat(a.start.replace("Z", "+00:00"))
    write(sys.stdout, a.rows, a.seed, start, a.span_hours)
    return 0


if __name__ == "__main__":
    sys.exit(main())
