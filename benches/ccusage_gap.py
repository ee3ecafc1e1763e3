#!/usr/bin/env python3
"""Explains ccusage's cost of a generated transcript tree against the tree's truth, to the cent.

    benches/ccusage_gap.py TREE CCUSAGE_DAILY_JSON

Re-reads every distinct response of TREE (the documented de-duplication: one per message.id, the
largest token total, then the main-chain copy), prices each one the way ccusage 20.0.24 does from
its offline LiteLLM table, and checks that this reproduces every (day, model) cost ccusage printed.
Then it splits truth.json's cost minus ccusage's into named causes and checks they add up.

ccusage's way (Sonnet 4.5, the only one of the three models with `_above_200k_tokens` rates): for
each token type on its own, the tokens beyond 200,000 at the type's above-200k rate (input-side x2,
output x1.5), the rest at the base rate. The price book's way (Anthropic's rule): once a request's
prompt (input + cache writes + cache reads) exceeds 200,000 tokens, the whole request is priced at
the long-context rates. 1-hour cache writes cost 2x input in both (LiteLLM's
`cache_creation_input_token_cost_above_1hr`).
"""
import collections
import json
import os
import sys
from decimal import Decimal

MILLION = Decimal(1_000_000)
THRESHOLD = 200_000
# $/MTok: input, 5-minute write, 1-hour write, cache read, output (both tables agree on these).
RATES = {
    "claude-sonnet-4-5-20250929": ("3", "3.75", "6", "0.30", "15"),
    "claude-opus-4-1-20250805": ("15", "18.75", "30", "1.50", "75"),
    "claude-haiku-4-5-20251001": ("1", "1.25", "2", "0.10", "5"),
}
RATES = {model: [Decimal(rate) for rate in rates] for model, rates in RATES.items()}
LONG = [Decimal("2")] * 4 + [Decimal("1.5")]  # long-context multipliers, same order
LONG_CONTEXT_MODELS = {"claude-sonnet-4-5-20250929"}


def responses(tree):
    best = {}
    for folder, _, names in os.walk(os.path.join(tree, "projects")):
        for name in names:
            if not name.endswith(".jsonl"):
                continue
            with open(os.path.join(folder, name), "rb") as lines:
                for raw in lines:
                    if b'"usage"' not in raw or b'"assistant"' not in raw:
                        continue
                    try:
                        line = json.loads(raw)
                    except ValueError:
                        continue
                    message = line.get("message") or {}
                    model = message.get("model") or ""
                    if line.get("type") != "assistant" or not model or model == "<synthetic>":
                        continue
                    usage = message.get("usage") or {}
                    split = usage.get("cache_creation") or {}
                    write_5m, write_1h = split.get("ephemeral_5m_input_tokens", 0), split.get("ephemeral_1h_input_tokens", 0)
                    if write_5m + write_1h == 0:
                        write_5m, write_1h = usage.get("cache_creation_input_tokens", 0), 0
                    tokens = (usage.get("input_tokens", 0), write_5m, write_1h, usage.get("cache_read_input_tokens", 0), usage.get("output_tokens", 0))
                    key = message.get("id") or line.get("requestId")
                    rank = (sum(tokens), not line.get("isSidechain", False))
                    if key not in best or best[key][0] < rank:
                        best[key] = (rank, line["timestamp"][:10], model, tokens)
    return [value[1:] for value in best.values()]


def book_price(model, tokens):
    rates = RATES[model]
    multipliers = LONG if model in LONG_CONTEXT_MODELS and sum(tokens[:4]) > THRESHOLD else [1] * 5
    return sum(count * rate * multiplier for count, rate, multiplier in zip(tokens, rates, multipliers)) / MILLION


def ccusage_price(model, tokens):
    total = Decimal(0)
    for count, rate, multiplier in zip(tokens, RATES[model], LONG):
        above = max(count - THRESHOLD, 0) if model in LONG_CONTEXT_MODELS else 0
        total += (count - above) * rate + above * rate * multiplier
    return total / MILLION


def main(tree, ccusage_json):
    truth = json.load(open(os.path.join(tree, "truth.json")))
    printed = {}
    for row in json.load(open(ccusage_json))["daily"]:
        for breakdown in row["modelBreakdowns"]:
            printed[(row.get("period") or row.get("date"), breakdown["modelName"])] = breakdown["cost"]
    cells = collections.defaultdict(Decimal)
    book = Decimal(0)
    causes = {"prompt over 200k, no one type over 200k": [Decimal(0), 0], "one token type itself over 200k": [Decimal(0), 0]}
    for day, model, tokens in responses(tree):
        cells[(day, model)] += ccusage_price(model, tokens)
        book += book_price(model, tokens)
        gap = book_price(model, tokens) - ccusage_price(model, tokens)
        if gap:
            cause = causes["one token type itself over 200k" if max(tokens) > THRESHOLD else "prompt over 200k, no one type over 200k"]
            cause[0] += gap
            cause[1] += 1
    worst = max(abs(float(cells[key]) - printed.get(key, 0.0)) for key in set(cells) | set(printed))
    ccusage = Decimal(str(json.load(open(ccusage_json))["totals"]["totalCost"]))
    truth_cost = Decimal(truth["cost_usd"])
    print(f"ccusage's way, recomputed: ${sum(cells.values()):.6f}; ccusage printed ${ccusage:.6f}; largest (day, model) difference ${worst:.6f}")
    print(f"the price book's way, recomputed: ${book:.6f}; truth.json ${truth_cost:.6f}")
    print(f"truth - ccusage = ${truth_cost - ccusage:.2f}, of which:")
    for name, (amount, count) in causes.items():
        print(f"  {name}: ${amount:.2f} ({count} Sonnet 4.5 requests)")
    explained = sum(amount for amount, _ in causes.values())
    print(f"  explained: ${explained:.2f}; left over: ${truth_cost - ccusage - explained:.2f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
