#!/usr/bin/env python3
"""Run a command; print its wall time in seconds and peak resident memory in KiB.

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
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(out, "w") as f:
        f.write(f"{seconds:.2f} {peak_kib}\n")
    sys.exit(code)


if __name__ == "__main__":
    main()
