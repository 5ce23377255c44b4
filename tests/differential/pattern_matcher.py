"""Answers pattern-matching cases with the OASIS reference matcher (stix2-matcher).

Reads one JSON document on stdin: a list of cases, each
  {"pattern": "...", "version": "2.0" | "2.1", "observations": [...]}
where observations are, for 2.1, a list of bundles and, for 2.0, a list of
observed-data objects (the forms stix2matcher.matcher.match takes).

Prints one JSON list on stdout, one answer per case, in order:
  {"result": "match" | "nomatch" | "parse_error" | "error", "detail": "...",
   "valid": true | false | null, "validator_detail": "..."}
"parse_error" is a pattern the reference grammar rejects; "error" is any other
exception the reference matcher raised while matching. "valid" is the verdict of
the reference validator (stix2patterns.validator.run_validator, the grammar of
the case's version plus its checks of hash values), or null when the validator
itself raised an exception (validator_detail says which).
"""

import json
import sys

from stix2matcher.matcher import match
from stix2patterns.exceptions import ParseException
from stix2patterns.validator import run_validator


def validity(case):
    try:
        errors = run_validator(case["pattern"], stix_version=case["version"])
    except Exception as e:  # e.g. its 2.0 inspector on a negative list index
        return {"valid": None, "validator_detail": "%s: %s" % (type(e).__name__, e)}
    return {"valid": not errors, "validator_detail": "; ".join(errors)}


def answer(case):
    found = matched(case)
    found.update(validity(case))
    return found


def matched(case):
    try:
        found = match(case["pattern"], case["observations"], stix_version=case["version"])
    except ParseException as e:
        return {"result": "parse_error", "detail": str(e)}
    except Exception as e:  # the reference matcher's own failures, reported, not hidden
        return {"result": "error", "detail": "%s: %s" % (type(e).__name__, e)}
    if found:
        return {"result": "match", "detail": ""}
    return {"result": "nomatch", "detail": ""}


def main():
    cases = json.load(sys.stdin)
    json.dump([answer(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()
