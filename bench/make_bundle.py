#!/usr/bin/env python3
"""Write a STIX 2.1 bundle of generated indicators of at least SIZE bytes, streamed.

    bench/make_bundle.py OUT SIZE_MB
"""
import json
import sys
import uuid


def main():
    out, size_mb = sys.argv[1], float(sys.argv[2])
    target = int(size_mb * 1024 * 1024)
    written = 0
    with open(out, "w", encoding="utf-8") as f:
        head = '{"type":"bundle","id":"bundle--%s","objects":[\n' % uuid.UUID(int=1, version=4)
        f.write(head)
        written += len(head)
        i = 0
        while written < target:
            obj = {
                "type": "indicator",
                "spec_version": "2.1",
                "id": "indicator--%s" % uuid.UUID(int=i * 7919 + 13, version=4),
                "created": "2026-01-01T00:00:00.000Z",
                "modified": "2026-01-01T00:00:00.000Z",
                "name": "generated indicator %d" % i,
                "description": "An indicator made for the import benchmark, number %d." % i,
                "indicator_types": ["malicious-activity"],
                "pattern": "[ipv4-addr:value = '10.%d.%d.%d']" % (i >> 16 & 255, i >> 8 & 255, i & 255),
                "pattern_type": "stix",
                "valid_from": "2026-01-01T00:00:00Z",
            }
            line = ("" if i == 0 else ",\n") + json.dumps(obj, separators=(",", ":"))
            f.write(line)
            written += len(line)
            i += 1
        f.write("\n]}\n")
    print(i)


if __name__ == "__main__":
    main()
