#!/usr/bin/env python3
"""Regenerate Tests/SpendCoreTests/Fixtures/litellm-costs.json: request costs computed by LiteLLM itself.

PricingTests prices every case with PriceTable.bundled (plus `extra_prices`) and must agree within 1e-9
relative, which checks both the SPEC §4 formula and that the bundled numbers are LiteLLM's.
`excluded` holds the cases where LiteLLM departs from SPEC §4; the test checks spendtop's SPEC value there.

Runs offline against the installed litellm (LITELLM_LOCAL_MODEL_COST_MAP=True).
"""
import json
import os
import sys
from importlib.metadata import version

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

import litellm  # noqa: E402
from litellm import Usage  # noqa: E402
from litellm.cost_calculator import batch_cost_calculator  # noqa: E402
from litellm.types.utils import CompletionTokensDetailsWrapper, PromptTokensDetailsWrapper  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gen_bundled_prices import FIELDS, load_map  # noqa: E402

OUT = os.path.join(HERE, "..", "Tests", "SpendCoreTests", "Fixtures", "litellm-costs.json")

# Models the cross-check needs that the bundled table does not carry (reasoning rate ≠ output rate,
# Bedrock batch pricing without a cache-write batch rate).
EXTRA_PRICES = ["dashscope/qwen-turbo", "anthropic.claude-sonnet-4-5-20250929-v1:0"]


def case(model, litellm_model, provider, usage_style, input, output, cache_read=0, cache_write=0, reasoning=0,
         batch=False):
    """`model` is the name spendtop looks up; `input` includes cache tokens, `output` includes reasoning."""
    return dict(model=model, litellm_model=litellm_model, provider=provider, usage_style=usage_style, input=input,
                output=output, cache_read=cache_read, cache_write=cache_write, reasoning=reasoning, batch=batch)


CASES = [
    case("gpt-4o", "gpt-4o", "openai", "openai", 1200, 300),
    case("gpt-4o", "gpt-4o", "openai", "openai", 10000, 500, cache_read=4000),
    case("openai/gpt-4o-2024-08-06", "gpt-4o-2024-08-06", "openai", "openai", 7000, 800, cache_read=1024),
    case("gpt-4o-mini", "gpt-4o-mini", "openai", "openai", 50000, 2000, cache_read=30000),
    case("gpt-4.1", "gpt-4.1", "openai", "openai", 8000, 1000, cache_read=2000),
    case("gpt-4.1-nano", "gpt-4.1-nano", "openai", "openai", 100000, 50),
    case("o3", "o3", "openai", "openai", 3000, 5000, reasoning=4000),
    case("o4-mini", "o4-mini", "openai", "openai", 20000, 8000, cache_read=15000, reasoning=6000),
    case("gpt-5", "gpt-5", "openai", "openai", 40000, 3000, cache_read=32000, reasoning=2500),
    case("gpt-5-mini", "gpt-5-mini", "openai", "openai", 12000, 900, reasoning=600),
    case("claude-sonnet-4-5", "claude-sonnet-4-5", "anthropic", "anthropic", 24000, 400, cache_read=20000,
         cache_write=3000),
    case("claude-opus-4-5", "claude-opus-4-5", "anthropic", "anthropic", 60000, 1500, cache_write=55000),
    case("claude-haiku-4-5-20251001", "claude-haiku-4-5-20251001", "anthropic", "anthropic", 9000, 700,
         cache_read=8000),
    case("claude-opus-4-1-20250805", "anthropic.claude-opus-4-1-20250805-v1:0", "bedrock", "anthropic", 30000, 2000,
         cache_read=10000, cache_write=5000),
    case("claude-sonnet-4-20250514", "anthropic.claude-sonnet-4-20250514-v1:0", "bedrock", "anthropic", 300000, 2000,
         cache_read=100000, cache_write=10000),
    case("gemini-2.5-pro", "gemini-2.5-pro", "vertex_ai", "openai", 150000, 2000, cache_read=50000),
    case("gemini-2.5-pro", "gemini-2.5-pro", "vertex_ai", "openai", 250000, 1000, cache_read=100000),
    case("gemini-2.5-pro", "gemini-2.5-pro", "vertex_ai", "openai", 200000, 1000),
    case("gemini-2.5-pro", "gemini-2.5-pro", "vertex_ai", "openai", 200001, 1000),
    case("gemini-2.5-flash", "gemini-2.5-flash", "vertex_ai", "openai", 5000, 3000, reasoning=2500),
    case("text-embedding-3-small", "text-embedding-3-small", "openai", "openai", 8000, 0),
    case("gpt-4-turbo", "gpt-4-turbo", "openai", "openai", 5000, 100, cache_read=2000),
    case("dashscope/qwen-turbo", "dashscope/qwen-turbo", "dashscope", "openai", 3000, 2000, reasoning=1500),
    case("deepseek-chat", "deepseek-chat", "deepseek", "openai", 30000, 1000, cache_read=20000),
    case("mistral/mistral-large-latest", "mistral/mistral-large-latest", "mistral", "openai", 30000, 1000,
         cache_read=20000),
    # batch
    case("gpt-4o", "gpt-4o", "openai", "openai", 10000, 500, cache_read=4000, batch=True),
    case("gpt-4.1", "gpt-4.1", "openai", "openai", 8000, 1000, cache_read=2000, batch=True),
    case("gpt-5", "gpt-5", "openai", "openai", 40000, 3000, cache_read=32000, reasoning=2500, batch=True),
    case("claude-sonnet-4-5", "claude-sonnet-4-5", "anthropic", "anthropic", 24000, 400, cache_read=20000,
         cache_write=3000, batch=True),
    case("bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock",
         "anthropic", 50000, 1000, cache_read=20000, cache_write=10000, batch=True),
    case("gemini-2.5-pro", "gemini-2.5-pro", "vertex_ai", "openai", 250000, 1000, cache_read=100000, batch=True),
    case("gemini-2.5-flash", "gemini-2.5-flash", "vertex_ai", "openai", 5000, 3000, cache_read=1000, reasoning=2500,
         batch=True),
    case("gemini-2.0-flash", "vertex_ai/gemini-2.0-flash", "vertex_ai", "openai", 10000, 500, cache_read=4000,
         batch=True),
    case("deepseek-chat", "deepseek-chat", "deepseek", "openai", 30000, 1000, cache_read=20000, batch=True),
    case("gpt-4-turbo", "gpt-4-turbo", "openai", "openai", 5000, 100, batch=True),
    case("claude-opus-4-1-20250805", "anthropic.claude-opus-4-1-20250805-v1:0", "bedrock", "anthropic", 30000, 2000,
         cache_read=10000, cache_write=5000, batch=True),
]


def excluded(reason, spec_usd, **kw):
    return dict(case(**kw), reason=reason, spec_usd=spec_usd)


def spec_excluded(prices):
    """The SPEC §4 value of each case LiteLLM prices differently, spelled out rate by rate."""
    turbo = prices["gpt-4-turbo"]
    sonnet4 = prices["anthropic.claude-sonnet-4-20250514-v1:0"]
    qwen = prices["dashscope/qwen-turbo"]
    return [
        excluded("no batch rate and no cache-read rate: LiteLLM's half-price path bills cached tokens at $0; "
                 "SPEC bills them at the input rate (halved)",
                 (3000 * turbo["input_cost_per_token"] + 2000 * turbo["input_cost_per_token"]
                  + 100 * turbo["output_cost_per_token"]) / 2,
                 model="gpt-4-turbo", litellm_model="gpt-4-turbo", provider="openai", usage_style="openai",
                 input=5000, output=100, cache_read=2000, batch=True),
        excluded("above 200k with no batch rates: LiteLLM halves the base rates; SPEC halves the standard rates, "
                 "which for this request are the above-200k tier",
                 (190000 * sonnet4["input_cost_per_token_above_200k_tokens"]
                  + 100000 * sonnet4["cache_read_input_token_cost_above_200k_tokens"]
                  + 10000 * sonnet4["cache_creation_input_token_cost_above_200k_tokens"]
                  + 2000 * sonnet4["output_cost_per_token_above_200k_tokens"]) / 2,
                 model="claude-sonnet-4-20250514", litellm_model="anthropic.claude-sonnet-4-20250514-v1:0",
                 provider="bedrock", usage_style="anthropic", input=300000, output=2000, cache_read=100000,
                 cache_write=10000, batch=True),
        excluded("no output batch rate: LiteLLM bills reasoning tokens at half the output rate, ignoring "
                 "output_cost_per_reasoning_token; SPEC halves the reasoning rate",
                 (3000 * qwen["input_cost_per_token"] + 500 * qwen["output_cost_per_token"]
                  + 1500 * qwen["output_cost_per_reasoning_token"]) / 2,
                 model="dashscope/qwen-turbo", litellm_model="dashscope/qwen-turbo", provider="dashscope",
                 usage_style="openai", input=3000, output=2000, reasoning=1500, batch=True),
    ]


def litellm_cost(c):
    kw = dict(prompt_tokens=c["input"], completion_tokens=c["output"], total_tokens=c["input"] + c["output"])
    # Both styles pass prompt_tokens *including* cache tokens, as LiteLLM's own Usage carries them
    # (its Anthropic transformer folds cache_read/cache_creation into prompt_tokens).
    if c["usage_style"] == "anthropic":
        kw.update(cache_read_input_tokens=c["cache_read"], cache_creation_input_tokens=c["cache_write"])
    elif c["cache_read"] or c["cache_write"]:
        kw["prompt_tokens_details"] = PromptTokensDetailsWrapper(
            cached_tokens=c["cache_read"], cache_creation_tokens=c["cache_write"] or None)
    if c["reasoning"]:
        kw["completion_tokens_details"] = CompletionTokensDetailsWrapper(reasoning_tokens=c["reasoning"])
    usage = Usage(**kw)
    if c["batch"]:
        return sum(batch_cost_calculator(usage, c["litellm_model"], c["provider"]))
    prompt, completion = litellm.cost_per_token(
        model=c["litellm_model"], custom_llm_provider=c["provider"], usage_object=usage,
        prompt_tokens=c["input"], completion_tokens=c["output"])
    return prompt + completion


def main():
    prices = load_map()
    cases = []
    for c in CASES:
        cases.append(dict(c, expected_usd=litellm_cost(c)))
    drops = []
    for c in spec_excluded(prices):
        litellm_usd = litellm_cost(c)
        if abs(litellm_usd - c["spec_usd"]) <= 1e-9 * abs(c["spec_usd"]):
            sys.exit(f"LiteLLM now agrees with SPEC on {c['model']} ({c['reason']}); move it to CASES")
        drops.append(dict(c, litellm_usd=litellm_usd))
    fixture = {
        "generator": "scripts/gen_litellm_cost_fixture.py",
        "litellm_version": version("litellm"),
        "extra_prices": {name: {k: prices[name][k] for k in FIELDS if prices[name].get(k) is not None}
                         for name in EXTRA_PRICES},
        "cases": cases,
        "excluded": drops,
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(cases)} cases, {len(drops)} excluded, to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
