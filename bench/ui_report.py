#!/usr/bin/env python3
"""A markdown report of bench/ui's results (bench/results/ui.jsonl): run, pages, searches with
the naive SQL beside them, and the issue's targets (pages < 300 ms, searches < 100 ms, p95)."""

import json
import sys

PAGE_TARGET_MS = 300
SEARCH_TARGET_MS = 100


def ms(v):
    if v < 0.05:
        return "< 0.05"
    return f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


def ratio(a, b):
    if b < 0.05:
        return "— (naive < 0.05 ms)"
    r = a / b
    return f"{r:.2g}×" if r < 10 else f"{r:,.0f}×"


def main():
    records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
    run = next(r for r in records if r["kind"] == "run")
    pages = [r for r in records if r["kind"] == "page"]
    searches = [r for r in records if r["kind"] == "search"]
    shape = run["shape"]
    out = []
    w = out.append
    w(f"{run['n']:,} objects, {run['machine']} ({run['cpu']}), {run['date']}, commit {run['commit']}, "
      f"load average {run['loadavg']} when measuring; {run['reps']} timed requests after {run['warmup']} "
      "warm-up, one keep-alive loopback connection.")
    w("")
    w("Data: " + ", ".join(f"{k} {v:,}" for k, v in sorted(shape["types"].items(), key=lambda kv: -kv[1]))
      + "; TLP " + ", ".join(f"{k.upper()} {v:,}" for k, v in shape["tlp"].items())
      + f"; submitted by Gulf CERT {shape['by_org']['A']:,} / Police Cyber Unit {shape['by_org']['B']:,}.")
    imp = run["import"]
    w(f"Load (`tanseeq import`, {-(-run['n'] // 50_000)} files of up to 50,000; stored {imp['stored']:,}, "
      f"duplicates {imp['duplicates']:,}, invalid {imp['invalid']:,}): {run['import_seconds']:,.1f} s "
      f"({run['n'] / run['import_seconds']:,.0f} objects/s). Database {run['db_bytes'] / 2**20:,.0f} MiB, "
      f"of which the search index (FTS5 words, observables, TLP) {run['search_index_bytes'] / 2**20:,.0f} MiB "
      f"and the objects table with its indexes {run['objects_bytes'] / 2**20:,.0f} MiB.")
    w("")
    w(f"| page | p50 ms | p95 ms | max ms | KiB | < {PAGE_TARGET_MS} ms (p95) |")
    w("|---|---:|---:|---:|---:|---|")
    for p in pages:
        ok = "ok" if p["p95_ms"] < PAGE_TARGET_MS else "**NO**"
        w(f"| {p['name']} | {ms(p['p50_ms'])} | {ms(p['p95_ms'])} | {ms(p['max_ms'])} | {p['bytes'] / 1024:,.0f} | {ok} |")
    w("")
    w(f"| search (`/ui/search`, as Gulf CERT's analyst) | hits | p50 ms | p95 ms | max ms | < {SEARCH_TARGET_MS} ms (p95) "
      "| naive p50 ms | naive p95 ms | naive rows (all matches) | tanseeq / naive (p50) |")
    w("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for s in searches:
        n = s["naive"]
        ok = "ok" if s["p95_ms"] < SEARCH_TARGET_MS else "**NO**"
        found = f"{n['rows']} ({n['total']:,})"
        w(f"| {s['name']} | {s['hits']} | {ms(s['p50_ms'])} | {ms(s['p95_ms'])} | {ms(s['max_ms'])} | {ok} "
          f"| {ms(n['p50_ms'])} | {ms(n['p95_ms'])} | {found} | {ratio(s['p50_ms'], n['p50_ms'])} |")
    w("")
    pages_ok = all(p["p95_ms"] < PAGE_TARGET_MS for p in pages)
    searches_ok = all(s["p95_ms"] < SEARCH_TARGET_MS for s in searches)
    w(f"- Pages load in under {PAGE_TARGET_MS} ms (p95, every page): {'holds' if pages_ok else 'does NOT hold'}"
      f" (slowest p95: {max(pages, key=lambda p: p['p95_ms'])['name']}, {ms(max(p['p95_ms'] for p in pages))} ms).")
    w(f"- Search answers in under {SEARCH_TARGET_MS} ms (p95, page included): {'holds' if searches_ok else 'does NOT hold'}"
      f" (slowest p95: {max(searches, key=lambda s: s['p95_ms'])['name']}, {ms(max(s['p95_ms'] for s in searches))} ms).")
    for s in searches:
        if s.get("folded_total") is not None:
            w(f"- {s['name']}: {s['folded_total']:,} objects hold it with or without diacritics; "
              f"`LIKE` finds {s['naive']['total']:,} of them; the page shows {s['hits']}.")
    w("")
    w("Naive query plans (EXPLAIN QUERY PLAN):")
    w("")
    for s in searches:
        w(f"- {s['name']}: {s['naive']['plan']}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
