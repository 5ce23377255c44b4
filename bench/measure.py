#!/usr/bin/env python3
"""Run a command; write its wall time in seconds, peak resident memory in KiB and CPU seconds
(user + system) to OUTFILE.

    bench/measure.py OUTFILE -- COMMAND...
"""
import resource
import subprocess
import sys
import time


def main():
    out = sys.argv[1]
    command = sys.argv[sys.argv.index("--") + 1:]
    start = time.monotonic()
    code = subprocess.call(command)
    seconds = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        f.write(f"{seconds:.2f} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime:.2f}\n")
    sys.exit(code)


if __name__ == "__main__":
    main()
