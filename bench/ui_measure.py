#!/usr/bin/env python3
"""The measuring half of bench/ui: pages and searches of a running node, beside the naive SQL.

    bench/ui_measure.py --url http://127.0.0.1:PORT --db DATA/tanseeq.db --manifest M.json \
        --collection ID --partner ORG_ID --user U --password P --admin A --admin-password P \
        [--reps 30] [--warmup 3] [--naive-budget 20]

Signs in through the sign-in form (GET /ui/login sets the `tanseeq_login` cookie; POST
/ui/login with the same value as `csrf`, an Origin header, and the user's name and password),
then times each page and each search over one keep-alive loopback connection: `--warmup`
requests not counted, then `--reps` requests, each from sending the request to the last byte
of the answer (status 200 required). The naive peer — the `LIKE '%term%'` search of MISP and
its kind — runs the same queries as SQL on the same SQLite file (opened read-only) in the same
run: every row's raw JSON scanned newest first until 100 match, without visibility rules or
HTML (so it does less work than the page). Its repetitions stop after `--naive-budget` seconds
per query (at least 3). It is also counted once in full (`count(*)`) to compare what it finds.

Prints JSON lines (one per measurement) on stdout.
"""

import argparse
import http.client
import json
import math
import re
import sqlite3
import sys
import time
import urllib.parse

PAGE_RESULTS = 100  # the search page's SEARCH_PAGE_RESULTS
TLP_RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


def percentile(sorted_values, p):
    """Nearest-rank percentile."""
    k = max(0, math.ceil(p / 100 * len(sorted_values)) - 1)
    return sorted_values[k]


def stats(samples_ms):
    s = sorted(samples_ms)
    return {"reps": len(s), "p50_ms": round(percentile(s, 50), 2),
            "p95_ms": round(percentile(s, 95), 2), "max_ms": round(s[-1], 2),
            "min_ms": round(s[0], 2)}


class Client:
    """One keep-alive HTTP/1.1 connection with a cookie jar of the node's cookies."""

    def __init__(self, url):
        self.url = url.rstrip("/")
        parsed = urllib.parse.urlsplit(self.url)
        self.host, self.port = parsed.hostname, parsed.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        h = {"Accept": "text/html", "Accept-Language": "en"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h.update(headers or {})
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                if attempt:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                k, _, rest = value.partition("=")
                self.cookies[k.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def sign_in(self, user, password):
        status, _ = self.request("GET", "/ui/login")
        if status != 200 or "tanseeq_login" not in self.cookies:
            sys.exit(f"GET /ui/login: {status}, cookies {list(self.cookies)}")
        body = urllib.parse.urlencode({"username": user, "password": password,
                                       "csrf": self.cookies["tanseeq_login"], "next": "/ui"})
        status, data = self.request("POST", "/ui/login", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Origin": self.url})
        if status not in (302, 303) or "tanseeq_session" not in self.cookies:
            sys.exit(f"sign-in of {user} failed: {status} {data[:300]!r}")

    def timed(self, path, reps, warmup):
        """Times GET path; returns (samples in ms, last body)."""
        samples, body = [], b""
        for i in range(warmup + reps):
            start = time.perf_counter()
            status, body = self.request("GET", path)
            elapsed = (time.perf_counter() - start) * 1000
            if status != 200:
                sys.exit(f"GET {path}: {status} {body[:300]!r}")
            if i >= warmup:
                samples.append(elapsed)
        return samples, body


# Arabic diacritics, superscript alef, Quranic marks and tatweel: what tanseeq_text ignores.
MARKS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")


def fold(raw):
    return MARKS.sub("", raw) if raw else raw


def hits_of(body):
    return len(re.findall(rb'<li class="hit', body))


def naive(conn, where, args, reps, budget):
    """Times the naive query; returns (samples in ms, rows of the last run)."""
    sql = ("SELECT seq, raw FROM objects WHERE collection_key = ? AND " + where +
           f" ORDER BY date_added DESC LIMIT {PAGE_RESULTS}")
    samples, rows = [], []
    started = time.perf_counter()
    for i in range(reps):
        start = time.perf_counter()
        rows = conn.execute(sql, args).fetchall()
        samples.append((time.perf_counter() - start) * 1000)
        if i >= 2 and time.perf_counter() - started > budget:
            break
    return samples, rows


def main():
    a = argparse.ArgumentParser()
    for name in ["url", "db", "manifest", "collection", "partner", "user", "password", "admin",
                 "admin-password"]:
        a.add_argument(f"--{name}", required=True)
    a.add_argument("--reps", type=int, default=30)
    a.add_argument("--warmup", type=int, default=3)
    a.add_argument("--naive-budget", type=float, default=20.0)
    args = a.parse_args()
    m = json.load(open(args.manifest, encoding="utf-8"))

    analyst = Client(args.url)
    analyst.sign_in(args.user, args.password)
    admin = Client(args.url)
    admin.sign_in(args.admin, args.admin_password)

    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    db.create_function("fold", 1, fold, deterministic=True)
    key = db.execute("SELECT key FROM collections WHERE id = ?", (args.collection,)).fetchone()[0]

    def emit(record):
        print(json.dumps(record, ensure_ascii=False), flush=True)

    # Pages.
    obj = f"/ui/object/api/{args.collection}/"
    pages = [
        ("dashboard", "/ui", analyst),
        ("search form (empty)", "/ui/search", analyst),
        ("object: indicator with relationships and sightings", obj + m["featured_indicator"], analyst),
        ("object: malware family with many relationships", obj + m["popular_malware"], analyst),
        ("partners", "/ui/partners", analyst),
        ("submit", "/ui/submit", analyst),
        ("admin (as admin)", "/ui/admin", admin),
    ]
    for name, path, client in pages:
        samples, body = client.timed(path, args.reps, args.warmup)
        emit({"kind": "page", "name": name, "path": path, "bytes": len(body), **stats(samples)})

    # Searches: (name, query string of /ui/search, naive WHERE, its arguments, note).
    like = lambda term: ("raw LIKE ?", [f"%{term}%"])
    searches = [
        ("common English word", {"q": "phishing"}, *like("phishing"), ""),
        ("common Arabic word", {"q": "تصيد"}, *like("تصيد"), "diacritized text missed by LIKE"),
        ("rare word", {"q": m["rare_word"]}, *like(m["rare_word"]), ""),
        ("Arabic phrase, no diacritics (half the matches have them)", {"q": m["arabic_phrase"]},
         *like(m["arabic_phrase"]), "diacritized text missed by LIKE"),
        ("prefix (exfil…)", {"q": "exfil"}, *like("exfil"), ""),
        ("IP address", {"q": m["ip"]}, *like(m["ip"]), ""),
        ("CIDR /16", {"q": m["cidr16"]}, *like("10.20."), "LIKE '%10.20.%' stands in for the block"),
        ("CIDR /8", {"q": "10.0.0.0/8"}, *like("'10."), "LIKE '%''10.%' stands in for the block"),
        ("domain", {"q": m["domain"]}, *like(m["domain"]), ""),
        ("SHA-256 hash", {"q": m["hash"]}, *like(m["hash"]), ""),
        ("e-mail address", {"q": m["email"]}, *like(m["email"]), ""),
        ("URL", {"q": m["url"]}, *like(m["url"]), ""),
        ("type + TLP filter (campaign, RED)", {"type": "campaign", "tlp": "red"},
         "type = ? AND marking_refs LIKE ?", ["campaign", f"%{TLP_RED}%"], "sparse: 0.15 % of objects"),
        ("type + TLP filter (indicator, AMBER)", {"type": "indicator", "tlp": "amber"},
         "type = ? AND marking_refs LIKE ?", ["indicator", "%55d920b0-5e8b-4f79-9ee9-91f868d9b421%"], ""),
        ("type filter, a type no object has (intrusion-set)", {"type": "intrusion-set"},
         "type = ?", ["intrusion-set"], "offered in the type list; nothing matches"),
        ("word + partner filter", {"q": "phishing", "partner": args.partner},
         "raw LIKE ? AND originator_org = ?", ["%phishing%", args.partner], ""),
    ]
    for name, params, where, where_args, note in searches:
        path = "/ui/search?" + urllib.parse.urlencode(params)
        samples, body = analyst.timed(path, args.reps, args.warmup)
        error = re.search(rb'<p class="error"[^>]*>([^<]*)', body)
        if error:
            sys.exit(f"GET {path}: {error.group(1).decode()}")
        naive_samples, rows = naive(db, where, [key] + where_args, args.reps, args.naive_budget)
        plan = " / ".join(r[3] for r in db.execute(
            "EXPLAIN QUERY PLAN SELECT seq FROM objects WHERE collection_key = ? AND " + where +
            " ORDER BY date_added DESC LIMIT 100", [key] + where_args))
        start = time.perf_counter()
        naive_total = db.execute(
            "SELECT count(*) FROM objects WHERE collection_key = ? AND " + where,
            [key] + where_args).fetchone()[0]
        count_ms = (time.perf_counter() - start) * 1000
        # What a search that ignores diacritics finds (counted once, not timed).
        folded_total = None
        if "diacritized" in note:
            folded_total = db.execute(
                "SELECT count(*) FROM objects WHERE collection_key = ? AND fold(raw) LIKE ?",
                [key] + where_args).fetchone()[0]
        emit({"kind": "search", "name": name, "path": path, "hits": hits_of(body),
              "folded_total": folded_total,
              "bytes": len(body), **stats(samples),
              "naive": {**stats(naive_samples), "rows": len(rows), "total": naive_total,
                        "count_ms": round(count_ms, 1), "plan": plan}, "note": note})


if __name__ == "__main__":
    main()
