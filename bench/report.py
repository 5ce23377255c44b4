#!/usr/bin/env python3
"""Summarize bench/run's JSON lines: rates per server and size, ratios, targets."""
import json
import sys

PHASES = [("ingest", "objects/s"), ("read", "objects/s"), ("get1", "requests/s"), ("get8", "requests/s")]
TARGETS = {"ingest": 50_000, "read": 100_000, "get8": 10_000}


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    header = rows[0] if rows and "machine" in rows[0] else {}
    results = {}
    imports = []
    for r in rows:
        if r.get("phase") == "import":
            imports.append(r)
        elif "phase" in r and "label" in r:
            results[(r["label"], r["n"], r["phase"])] = r
    sizes = sorted({n for (_, n, _) in results})
    print(f"# TAXII node benchmark — {header.get('machine', '')}, {header.get('date', '')}, commit {header.get('commit', '')}")
    print()
    print("| n | phase | unit | tanseeq | medallion | tanseeq / medallion |")
    print("|---:|---|---|---:|---:|---:|")
    for n in sizes:
        for phase, unit in PHASES:
            t = results.get(("tanseeq", n, phase))
            m = results.get(("medallion", n, phase))
            if not t and not m:
                continue

            def show(r):
                if not r:
                    return "—"
                if not r.get("finished"):
                    return f"not finished ({r.get('seconds', 0):.0f} s)"
                if not r.get("ok"):
                    return f"{r['per_second']:,.0f} (errors)"
                return f"{r['per_second']:,.0f}"

            ratio = ""
            if t and m and t.get("finished") and m.get("finished") and m["per_second"] > 0:
                ratio = f"{t['per_second'] / m['per_second']:,.0f}×"
            print(f"| {n:,} | {phase} | {unit} | {show(t)} | {show(m)} | {ratio} |")
    print()
    print("Targets for tanseeq (durable writes, this machine):")
    for phase, target in TARGETS.items():
        for n in sizes:
            t = results.get(("tanseeq", n, phase))
            if t and t.get("finished"):
                verdict = "ok" if t["per_second"] >= target else "BELOW"
                print(f"- {phase} at n={n:,}: {t['per_second']:,.0f} (target {target:,}) {verdict}")
    small, large = 10_000, 1_000_000
    for phase, _ in PHASES:
        a = results.get(("tanseeq", small, phase))
        b = results.get(("tanseeq", large, phase))
        if a and b and a.get("finished") and b.get("finished"):
            ratio = b["per_second"] / a["per_second"]
            verdict = "ok" if ratio >= 0.8 else "BELOW"
            print(f"- {phase}: n=1,000,000 is {ratio:.0%} of n=10,000 (target ≥ 80 %) {verdict}")
    for r in imports:
        mb = r["bytes"] / 1024 / 1024
        rss = r["max_rss_kb"] / 1024
        verdict = "ok" if rss < 300 else "ABOVE"
        print(f"- import of {mb:,.0f} MB ({r['n']:,} objects): {r['seconds']} s, "
              f"{r['n'] / float(r['seconds']):,.0f} objects/s, peak resident {rss:,.0f} MB "
              f"(target < 300 MB) {verdict}; {r['summary']}")


if __name__ == "__main__":
    main()
