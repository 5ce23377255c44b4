"""Times the OASIS reference matcher (stix2-matcher) on pattern/observation pairs.

Part of bench/pattern-vs-reference. Usage:
    python bench/pattern-vs-reference.py PAIRS.json [--repeat N] > REFERENCE.json

PAIRS.json is a list of {"pattern", "version": "2.0" | "2.1", "observations"} (from
`pattern_vs_reference generate`). Each pattern is compiled once, untimed, with
stix2matcher.matcher.Pattern(pattern, version) (the ANTLR parse); a pair whose pattern the
reference does not parse, or whose match raises an error, is dropped. Then N passes over the
kept pairs; only the call Pattern.match(observations) is timed (time.perf_counter around each
call): it reads the observed-data (bundle merge, timestamps) and walks the parse tree. The
observations are already-decoded Python structures.

Prints one JSON object: {"reference", "python", "kept": [indexes], "answers": ["match" |
"nomatch"], "dropped": {reason: count}, "passes": [seconds per pass]}. The answers of every
pass must be the same as the first (checked).
"""

import json
import platform
import sys
import time
from importlib.metadata import version as package_version

from stix2matcher.matcher import Pattern
from stix2patterns.exceptions import ParseException


def main():
    args = sys.argv[1:]
    repeat = 3
    if "--repeat" in args:
        i = args.index("--repeat")
        repeat = int(args[i + 1])
        del args[i : i + 2]
    with open(args[0], encoding="utf-8") as f:
        pairs = json.load(f)

    kept, compiled, answers, dropped = [], [], [], {}
    for i, pair in enumerate(pairs):
        try:
            pattern = Pattern(pair["pattern"], pair["version"])
        except ParseException:
            dropped["reference parse error"] = dropped.get("reference parse error", 0) + 1
            continue
        try:
            found = pattern.match(pair["observations"])
        except Exception as e:  # the reference's own failures (e.g. 2.0 START/STOP)
            reason = "reference %s" % type(e).__name__
            dropped[reason] = dropped.get(reason, 0) + 1
            continue
        kept.append(i)
        compiled.append((pattern, pair["observations"]))
        answers.append("match" if found else "nomatch")

    passes = []
    for _ in range(repeat):
        total = 0.0
        for k, (pattern, observations) in enumerate(compiled):
            start = time.perf_counter()
            found = pattern.match(observations)
            total += time.perf_counter() - start
            if ("match" if found else "nomatch") != answers[k]:
                sys.exit("answer changed between passes: %s" % pairs[kept[k]]["pattern"])
        passes.append(total)
        print("reference pass: %d pairs in %.2f s" % (len(compiled), total), file=sys.stderr)

    json.dump(
        {
            "reference": "stix2-matcher %s" % package_version("stix2-matcher"),
            "python": "%s %s" % (platform.python_implementation(), platform.python_version()),
            "kept": kept,
            "answers": answers,
            "dropped": dropped,
            "passes": passes,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
