#!/usr/bin/env python3
"""Summarize bench/run's JSON lines: rates per server and size, ratios, targets."""
import json
import sys

PHASES = [("ingest", "objects/s"), ("read", "objects/s"), ("readp", "objects/s"),
          ("get1", "requests/s"), ("get8", "requests/s")]
TARGETS = {"ingest": 50_000, "read": 100_000, "get8": 10_000}


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    header = rows[0] if rows and "machine" in rows[0] else {}
    results = {}
    imports = []
    cpus = {}
    for r in rows:
        if r.get("phase") == "import":
            imports.append(r)
        elif r.get("phase") == "cpu":
            key = (r["label"], r["n"])
            if key in cpus:  # one line per driver invocation of the same run: add them up
                for field in ("wall_seconds", "serve_cpu_seconds", "postgres_cpu_seconds",
                              "driver_cpu_seconds"):
                    cpus[key][field] += r[field]
            else:
                cpus[key] = r
        elif "phase" in r and "label" in r and r["phase"] != "cpu":
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
    pg_runs = sorted({(n, label[len("tanseeq-pg-1p"):]) for (label, n, _) in results
                      if label.startswith("tanseeq-pg-1p")})
    if pg_runs:
        print()
        print("## The same node on PostgreSQL: one and two `serve` processes on one database")
        for n, suffix in pg_runs:
            limit = f"each serve process limited to {suffix[4:]} CPU" if suffix else "no CPU limit"
            print()
            print(f"n = {n:,}, {limit}:")
            print()
            print("| phase | unit | embedded (1 process) | PostgreSQL, 1 process | PostgreSQL, 2 processes | 2 / 1 |")
            print("|---|---|---:|---:|---:|---:|")
            cpu_notes = []
            for phase, unit in PHASES:
                cells = [results.get(("tanseeq", n, phase)) if not suffix else None,
                         results.get((f"tanseeq-pg-1p{suffix}", n, phase)),
                         results.get((f"tanseeq-pg-2p{suffix}", n, phase))]
                if not any(cells):
                    continue

                def rate(r):
                    if not r:
                        return "—"
                    if not r.get("finished") or not r.get("ok"):
                        return f"{r.get('per_second', 0):,.0f} (not ok)"
                    return f"{r['per_second']:,.0f}"

                one, two = cells[1], cells[2]
                ratio = ""
                if one and two and one.get("per_second"):
                    ratio = f"{two['per_second'] / one['per_second']:.2f}×"
                print(f"| {phase} | {unit} | {' | '.join(rate(c) for c in cells)} | {ratio} |")
            for label in (f"tanseeq-pg-1p{suffix}", f"tanseeq-pg-2p{suffix}"):
                cpu = cpus.get((label, n))
                if cpu:
                    cpu_notes.append(
                        f"- CPU seconds, {label} (all phases, {cpu['wall_seconds']:.1f} s wall on "
                        f"{header.get('machine', '?')}): serve {cpu['serve_cpu_seconds']:.1f}, "
                        f"PostgreSQL {cpu['postgres_cpu_seconds']:.1f}, driver {cpu['driver_cpu_seconds']:.1f}")
            if cpu_notes:
                print()
                print("\n".join(cpu_notes))
        print()
        print("Targets for PostgreSQL:")
        for n, suffix in pg_runs:
            limit = f", serve processes limited to {suffix[4:]} CPU" if suffix else ""
            ingest = results.get((f"tanseeq-pg-1p{suffix}", n, "ingest"))
            if ingest and not suffix:
                verdict = "ok" if ingest["per_second"] >= 20_000 else "BELOW"
                print(f"- ingest at n={n:,}, one process: {ingest['per_second']:,.0f} objects/s (target ≥ 20,000) {verdict}")
            one = results.get((f"tanseeq-pg-1p{suffix}", n, "readp"))
            two = results.get((f"tanseeq-pg-2p{suffix}", n, "readp"))
            if one and two and one.get("per_second"):
                ratio = two["per_second"] / one["per_second"]
                verdict = "ok" if ratio >= 1.6 else "BELOW"
                print(f"- paged reads at n={n:,}{limit}: two processes {ratio:.2f}× one (target ≥ 1.6×) {verdict}")
    for r in imports:
        mb = r["bytes"] / 1024 / 1024
        rss = r["max_rss_kb"] / 1024
        verdict = "ok" if rss < 300 else "ABOVE"
        print(f"- import of {mb:,.0f} MB ({r['n']:,} objects): {r['seconds']} s, "
              f"{r['n'] / float(r['seconds']):,.0f} objects/s, peak resident {rss:,.0f} MB "
              f"(target < 300 MB) {verdict}; {r['summary']}")


if __name__ == "__main__":
    main()
