#!/usr/bin/env python3
"""Sample data for bench/ui: N realistic STIX 2.1 objects as JSON-lines chunks for `tanseeq import`.

    bench/ui_data.py OUT_DIR N [SEED]

Writes OUT_DIR/chunk-NN-A.jsonl / chunk-NN-B.jsonl (objects in `created` order, chunks of
CHUNK objects; chunk k is submitted by organization A or B by the pattern ORG_PATTERN, 60/40)
and OUT_DIR/manifest.json: the values the benchmark searches for (an IP, a CIDR block, a
domain, a hash, an e-mail address, a URL), the objects whose pages it opens, and what the
generator knows to be true (how many objects hold the rare word and the Arabic phrase, with
and without diacritics).

Shape (fractions of N): indicators 53.5 % (IPv4, domain, SHA-256, URL, e-mail patterns and a
few CIDR blocks), relationships 25 %, sightings 14 %, malware 3 %, campaigns 1.5 %, tools
1.5 %, reports 2 %, threat actors 1 %. Names and descriptions in English (about 70 %) and Arabic
(30 %, half of it with diacritics). TLP: CLEAR 15 %, GREEN 40 %, AMBER 25 %, AMBER+STRICT 10 %,
RED 10 % (RED of both organizations, since each chunk has one submitter). `created` spread
evenly over 60 days. Network values use reserved ranges and `.example` names. Deterministic
from SEED. Python standard library only.
"""

import json
import os
import random
import sys
import uuid

CHUNK = 50_000
ORG_PATTERN = "ABABA"  # chunk k is submitted by ORG_PATTERN[k % 5]
DAYS = 60
BASE_MS = 1_790_000_000_000  # 2026-09-21T…: the first object's `created`

TLP = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_WEIGHTS = [("clear", 15), ("green", 40), ("amber", 25), ("amber+strict", 10), ("red", 10)]

# Words and phrases the benchmark searches for.
RARE_WORD = "quillwort"  # in exactly RARE_COUNT descriptions
RARE_COUNT = 25
# "Digital Shadow cell": plain in AR_RARE_PLAIN objects, with full diacritics in AR_RARE_MARKED.
AR_RARE = "خلية الظل الرقمي"
AR_RARE_MARKED_TEXT = "خَلِيَّةُ الظِّلِّ الرَّقْمِيِّ"
AR_RARE_PLAIN = 40
AR_RARE_MARKED = 40
HOT_IP = "10.20.30.40"
HOT_DOMAIN = "portal-moi-services.example"
HOT_EMAIL = "support-desk@gov-notice.example"
HOT_URL = "http://portal-moi-services.example/login/verify.php"

FAMILIES = ["DuneLock", "SaqrKit", "NakhlaRAT", "SandViper", "FalconLoader", "OasisStealer",
            "MirageShell", "KhanjarBot", "SirocoWiper", "QamarSpy", "DhowDrop", "TalonMiner"]
ACTORS = ["Shadow of the Dunes", "Nakhla Cyber Front", "Saqr phishing ring", "Desert Jackal",
          "Pearl Divers Collective", "Red Sandstorm", "Silent Caravan", "Iron Minaret"]
ACTORS_AR = ["ظل الكثبان", "جبهة النخلة السيبرانية", "شبكة الصقر", "ابن آوى الصحراء",
             "تجمع الغواصين", "العاصفة الرملية الحمراء", "القافلة الصامتة", "المئذنة الحديدية"]
SECTORS = ["municipal networks", "ministry e-services", "banks", "telecom operators",
           "hospitals", "ports and logistics", "universities", "oil and gas suppliers"]
SECTORS_AR = ["شبكات البلديات", "الخدمات الإلكترونية للوزارات", "المصارف", "شركات الاتصالات",
              "المستشفيات", "الموانئ والخدمات اللوجستية", "الجامعات", "موردي النفط والغاز"]
TOOLS = ["Cobalt Strike", "Mimikatz", "PsExec", "AnyDesk", "Rclone", "ngrok", "Impacket",
         "BloodHound", "Chisel", "Sliver"]
WORDS = ["credential", "harvesting", "beacon", "loader", "exfiltration", "persistence",
         "lateral", "movement", "dropper", "sideloading", "obfuscated", "payload", "invoice",
         "lure", "macro", "scheduled", "task", "registry", "webshell", "tunnel", "proxy",
         "botnet", "defacement", "ddos", "wiper", "stealer", "keylogger", "spearphishing"]

# English templates: {f} family, {a} actor, {s} sector, {w} a filler word.
EN_INDICATOR = [
    ("Phishing domain imitating {s}", "Phishing page harvesting credentials of {s} staff; "
     "the lure is an invoice or a payment notice. Linked to {a}. Seen with {w} {w}."),
    ("{f} command and control server", "Beacon traffic of {f} to this server over HTTPS; "
     "{w} and {w} observed on {s}."),
    ("{f} payload hash", "Sample of {f} dropped by a macro document; {w} via scheduled task. "
     "Targets {s}."),
    ("Ransomware staging host", "Host used by {a} to stage ransomware before encryption of "
     "{s}; {w} {w}."),
    ("Credential phishing sender", "Sender of spearphishing e-mails to {s} with a {f} "
     "attachment; {w}."),
]
AR_INDICATOR = [
    ("نطاق تصيد احتيالي ينتحل {s}", "حملة تصيد احتيالي تسرق بيانات الدخول لموظفي {s}، "
     "ومرتبطة بمجموعة {a}."),
    ("خادم تحكم وسيطرة لبرنامج {f}", "اتصالات منتظمة من برنامج {f} الخبيث إلى هذا الخادم، "
     "رصدت في {s}."),
    ("بصمة ملف برنامج الفدية {f}", "عينة من برنامج الفدية {f} تشفر الملفات في {s}."),
]
# The same Arabic templates with diacritics (what an analyst pastes from a formal report).
AR_INDICATOR_MARKED = [
    ("نِطاقُ تَصَيُّدٍ احْتِيالِيٍّ يَنْتَحِلُ {s}", "حَمْلَةُ تَصَيُّدٍ احْتِيالِيٍّ تَسْرِقُ "
     "بَياناتِ الدُّخولِ لِمُوَظَّفِي {s}، وَمُرْتَبِطَةٌ بِمَجْموعَةِ {a}."),
    ("خادِمُ تَحَكُّمٍ وَسَيْطَرَةٍ لِبَرْنامَجِ {f}", "اتِّصالاتٌ مُنْتَظِمَةٌ مِنْ بَرْنامَجِ {f} "
     "الخَبيثِ إِلى هٰذا الخادِمِ، رُصِدَتْ في {s}."),
    ("بَصْمَةُ مِلَفِّ بَرْنامَجِ الفِدْيَةِ {f}", "عَيِّنَةٌ مِنْ بَرْنامَجِ الفِدْيَةِ {f} "
     "تُشَفِّرُ المِلَفّاتِ في {s}."),
]


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for value, w in pairs:
        x -= w
        if x < 0:
            return value
    return pairs[-1][0]


def stamp(ms):
    import datetime
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


class Generator:
    def __init__(self, n, seed):
        self.n = n
        self.rng = random.Random(seed)
        self.ids = {t: [] for t in ["indicator", "malware", "campaign", "threat-actor", "tool",
                                    "report"]}
        self.family_ids = {}
        self.actor_ids = {}
        self.rare_left = RARE_COUNT
        self.ar_plain_left = AR_RARE_PLAIN
        self.ar_marked_left = AR_RARE_MARKED
        self.hot = {"ip": 0, "domain": 0, "email": 0, "url": 0, "hash": 0}
        self.hot_hash = "%064x" % self.rng.getrandbits(256)
        self.featured_indicator = None
        self.featured_sightings = 0
        self.featured_relationships = 0
        self.counts = {}
        self.force_green = False

    def new_id(self, object_type):
        return f"{object_type}--{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"

    def fill(self, template, lang):
        rng = self.rng
        s_list = SECTORS_AR if lang == "ar" else SECTORS
        a_list = ACTORS_AR if lang == "ar" else ACTORS
        out = template.replace("{f}", rng.choice(FAMILIES)).replace("{a}", rng.choice(a_list))
        out = out.replace("{s}", rng.choice(s_list))
        while "{w}" in out:
            out = out.replace("{w}", rng.choice(WORDS), 1)
        return out

    def text(self, en, ar, ar_marked, i):
        """(name, description, lang) from one of the template lists."""
        rng = self.rng
        r = rng.random()
        if r < 0.70:
            name, desc = rng.choice(en)
            name, desc, lang = self.fill(name, "en"), self.fill(desc, "en"), "en"
        else:
            k = rng.randrange(len(ar))
            marked = r >= 0.85
            name, desc = (ar_marked if marked else ar)[k]
            name, desc, lang = self.fill(name, "ar"), self.fill(desc, "ar"), "ar"
        # The rare word and the rare Arabic phrase, spread evenly over the data.
        done = RARE_COUNT - self.rare_left
        if self.rare_left and i >= (done + 1) * self.n // (RARE_COUNT + 1):
            desc += f" The {RARE_WORD} cluster reused this infrastructure."
            self.force_green = True
            self.rare_left -= 1
        total = AR_RARE_PLAIN + AR_RARE_MARKED
        done = total - self.ar_plain_left - self.ar_marked_left
        if done < total and i >= (done + 1) * self.n // (total + 1):
            if (done % 2 == 0 and self.ar_plain_left) or not self.ar_marked_left:
                desc += f" تنسب هذه النشاطات إلى {AR_RARE}."
                self.ar_plain_left -= 1
                self.force_green = True
            else:
                desc += f" تُنْسَبُ هٰذِهِ النَّشاطاتُ إِلى {AR_RARE_MARKED_TEXT}."
                self.ar_marked_left -= 1
                self.force_green = True
        return name, desc, lang

    def base(self, object_type, i, created_ms):
        t = stamp(created_ms)
        return {"type": object_type, "spec_version": "2.1", "id": self.new_id(object_type),
                "created": t, "modified": t}

    def mark(self, obj):
        level = weighted(self.rng, TLP_WEIGHTS)
        if self.force_green:
            # What the benchmark looks for is visible to both organizations, so that what a
            # search must find is known.
            level, self.force_green = "green", False
        obj["object_marking_refs"] = [TLP[level]]
        return obj

    def due(self, kind, target, i):
        """Whether the next value of this kind is the hot one: `target` of them, spread evenly."""
        if self.hot[kind] < target and i >= (self.hot[kind] + 1) * self.n // (target + 1):
            self.hot[kind] += 1
            self.force_green = True
            return True
        return False

    def pattern(self, i):
        rng = self.rng
        kind = rng.random()
        if kind < 0.30:
            if self.due("ip", 6, i):
                ip = HOT_IP
            else:
                # 10.0.0.0/10: about 1,900 addresses per /16 at N = 1,000,000.
                ip = f"10.{rng.randrange(64)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            if rng.random() < 0.02:
                return f"[ipv4-addr:value ISSUBSET '{ip.rsplit('.', 1)[0]}.0/24']"
            return f"[ipv4-addr:value = '{ip}']"
        if kind < 0.55:
            if self.due("domain", 5, i):
                return f"[domain-name:value = '{HOT_DOMAIN}']"
            d = f"{rng.choice(WORDS)}-{rng.choice(['gov', 'pay', 'mail', 'cdn', 'auth'])}" \
                f"{rng.randrange(100000)}.example"
            return f"[domain-name:value = '{d}']"
        if kind < 0.80:
            if self.due("hash", 4, i):
                h = self.hot_hash
            else:
                h = "%064x" % rng.getrandbits(256)
            return f"[file:hashes.'SHA-256' = '{h}']"
        if kind < 0.92:
            if self.due("url", 5, i):
                return f"[url:value = '{HOT_URL}']"
            u = f"http://{rng.choice(WORDS)}{rng.randrange(100000)}.example/" \
                f"{rng.choice(WORDS)}/{rng.randrange(10**6)}.php"
            return f"[url:value = '{u}']"
        if self.due("email", 5, i):
            return f"[email-addr:value = '{HOT_EMAIL}']"
        e = f"{rng.choice(WORDS)}{rng.randrange(100000)}@{rng.choice(['gov-notice', 'mail-secure', 'pay-alert'])}.example"
        return f"[email-addr:value = '{e}']"

    def object(self, i):
        rng = self.rng
        created_ms = BASE_MS + i * (DAYS * 86_400_000) // self.n + rng.randrange(1000)
        # The first objects: the families and actors everything else refers to.
        if i < len(FAMILIES):
            o = self.base("malware", i, created_ms)
            o.update(name=FAMILIES[i], is_family=True, malware_types=["ransomware" if i == 0 else "trojan"],
                     description=f"{FAMILIES[i]} malware family tracked by both agencies.")
            self.family_ids[FAMILIES[i]] = o["id"]
            self.ids["malware"].append(o["id"])
            o["object_marking_refs"] = [TLP["green"]]  # hubs both organizations see
            return o
        if i < len(FAMILIES) + len(ACTORS):
            k = i - len(FAMILIES)
            o = self.base("threat-actor", i, created_ms)
            o.update(name=ACTORS[k], aliases=[ACTORS_AR[k]], threat_actor_types=["crime-syndicate"],
                     description=f"{ACTORS[k]} ({ACTORS_AR[k]}), active against the region.")
            self.actor_ids[ACTORS[k]] = o["id"]
            self.ids["threat-actor"].append(o["id"])
            o["object_marking_refs"] = [TLP["green"]]
            return o
        r = rng.random()
        featured = self.featured_indicator
        if featured is None and i >= self.n // 2:
            # The featured indicator: the object page measured, with relationships and sightings.
            o = self.base("indicator", i, created_ms)
            o.update(name=f"{FAMILIES[0]} command and control server",
                     description=f"Beacon traffic of {FAMILIES[0]} to {HOT_IP}; featured.",
                     indicator_types=["malicious-activity"], pattern=f"[ipv4-addr:value = '{HOT_IP}']",
                     pattern_type="stix", valid_from=o["created"])
            self.hot["ip"] += 1
            self.featured_indicator = o["id"]
            self.ids["indicator"].append(o["id"])
            o["object_marking_refs"] = [TLP["green"]]
            return o
        if featured and r < 0.0004 and self.featured_sightings < 40:
            o = self.base("sighting", i, created_ms)
            o.update(sighting_of_ref=featured, count=rng.randrange(1, 50),
                     first_seen=o["created"], last_seen=o["created"],
                     description=f"Connections to {HOT_IP} seen at a partner's gateway.")
            self.featured_sightings += 1
            return self.mark(o)
        if featured and r < 0.0006 and self.featured_relationships < 12:
            o = self.base("relationship", i, created_ms)
            target = rng.choice(self.ids["malware"][:len(FAMILIES)] + self.ids["campaign"][-20:])
            o.update(relationship_type="indicates", source_ref=featured, target_ref=target)
            self.featured_relationships += 1
            return self.mark(o)
        if r < 0.535:
            o = self.base("indicator", i, created_ms)
            name, desc, lang = self.text(EN_INDICATOR, AR_INDICATOR, AR_INDICATOR_MARKED, i)
            o.update(name=name, description=desc,
                     indicator_types=[rng.choice(["malicious-activity", "anomalous-activity",
                                                  "attribution", "compromised"])],
                     pattern=self.pattern(i), pattern_type="stix", valid_from=o["created"])
            if lang == "ar":
                o["lang"] = "ar"
            self.ids["indicator"].append(o["id"])
        elif r < 0.785:
            o = self.base("relationship", i, created_ms)
            if rng.random() < 0.7 and self.ids["indicator"]:
                src = rng.choice(self.ids["indicator"][-50_000:])
                # DuneLock is the popular family: a quarter of the indicators point at it.
                fam = FAMILIES[0] if rng.random() < 0.25 else rng.choice(FAMILIES)
                o.update(relationship_type="indicates", source_ref=src, target_ref=self.family_ids[fam])
            elif self.ids["campaign"]:
                src = rng.choice(self.ids["campaign"][-2_000:])
                if rng.random() < 0.5:
                    o.update(relationship_type="uses", source_ref=src,
                             target_ref=self.family_ids[rng.choice(FAMILIES)])
                else:
                    o.update(relationship_type="attributed-to", source_ref=src,
                             target_ref=self.actor_ids[rng.choice(ACTORS)])
            else:
                o.update(relationship_type="uses", source_ref=self.actor_ids[ACTORS[0]],
                         target_ref=self.family_ids[FAMILIES[0]])
            if rng.random() < 0.2:
                o["description"] = "Linked by shared infrastructure and code overlap."
        elif r < 0.925:
            o = self.base("sighting", i, created_ms)
            src = rng.choice(self.ids["indicator"][-50_000:]) if self.ids["indicator"] else \
                self.family_ids[FAMILIES[0]]
            o.update(sighting_of_ref=src, count=rng.randrange(1, 500),
                     first_seen=o["created"], last_seen=o["created"])
            if rng.random() < 0.3:
                o["description"] = rng.choice([
                    "Blocked at the perimeter firewall.", "Seen in proxy logs of a ministry.",
                    "رصد في سجلات الوكيل لإحدى الوزارات.", "حُجِبَ عِنْدَ جِدارِ الحِمايَةِ."])
        elif r < 0.955:
            o = self.base("malware", i, created_ms)
            fam = rng.choice(FAMILIES)
            name, desc, lang = self.text(EN_INDICATOR, AR_INDICATOR, AR_INDICATOR_MARKED, i)
            o.update(name=f"{fam} variant {rng.randrange(1000)}", is_family=False,
                     malware_types=[rng.choice(["ransomware", "trojan", "backdoor", "spyware", "wiper"])],
                     description=desc)
            if lang == "ar":
                o["lang"] = "ar"
            self.ids["malware"].append(o["id"])
        elif r < 0.97:
            o = self.base("campaign", i, created_ms)
            name, desc, lang = self.text(EN_INDICATOR, AR_INDICATOR, AR_INDICATOR_MARKED, i)
            o.update(name=f"Campaign {rng.choice(ACTORS)} {rng.randrange(10000)}", description=desc,
                     objective=rng.choice(["financial gain", "espionage", "disruption"]))
            if lang == "ar":
                o["lang"] = "ar"
            self.ids["campaign"].append(o["id"])
        elif r < 0.985:
            o = self.base("tool", i, created_ms)
            tool = rng.choice(TOOLS)
            o.update(name=f"{tool} {rng.randrange(100)}.{rng.randrange(10)}",
                     description=f"{tool} used for {rng.choice(WORDS)} against {rng.choice(SECTORS)}.")
            self.ids["tool"].append(o["id"])
        elif r < 0.995:
            o = self.base("report", i, created_ms)
            name, desc, lang = self.text(EN_INDICATOR, AR_INDICATOR, AR_INDICATOR_MARKED, i)
            refs = rng.sample(self.ids["indicator"][-5000:], min(10, len(self.ids["indicator"]))) \
                or [self.family_ids[FAMILIES[0]]]
            o.update(name=f"Weekly report: {name}", description=desc, published=o["created"],
                     report_types=["threat-report"], object_refs=refs)
            if lang == "ar":
                o["lang"] = "ar"
            self.ids["report"].append(o["id"])
        else:
            o = self.base("threat-actor", i, created_ms)
            k = rng.randrange(len(ACTORS))
            name, desc, lang = self.text(EN_INDICATOR, AR_INDICATOR, AR_INDICATOR_MARKED, i)
            o.update(name=f"{ACTORS[k]} subgroup {rng.randrange(1000)}", aliases=[ACTORS_AR[k]],
                     description=desc)
            self.ids["threat-actor"].append(o["id"])
        return self.mark(o)


def main():
    out_dir, n = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    os.makedirs(out_dir, exist_ok=True)
    gen = Generator(n, seed)
    chunks = []
    counts = {}
    tlp_counts = {}
    by_org = {"A": 0, "B": 0}
    f = None
    for i in range(n):
        if i % CHUNK == 0:
            if f:
                f.close()
            k = i // CHUNK
            org = ORG_PATTERN[k % len(ORG_PATTERN)]
            path = os.path.join(out_dir, f"chunk-{k:03d}-{org}.jsonl")
            chunks.append({"path": path, "org": org})
            f = open(path, "w", encoding="utf-8")
        o = gen.object(i)
        counts[o["type"]] = counts.get(o["type"], 0) + 1
        for m in o.get("object_marking_refs", []):
            level = next(k for k, v in TLP.items() if v == m)
            tlp_counts[level] = tlp_counts.get(level, 0) + 1
        by_org[chunks[-1]["org"]] += 1
        f.write(json.dumps(o, ensure_ascii=False, separators=(",", ":")))
        f.write("\n")
    f.close()
    manifest = {
        "n": n, "seed": seed, "chunks": chunks, "types": counts, "tlp": tlp_counts,
        "by_org": by_org,
        "rare_word": RARE_WORD, "rare_word_count": RARE_COUNT - gen.rare_left,
        "arabic_phrase": AR_RARE, "arabic_phrase_marked": AR_RARE_MARKED_TEXT,
        "arabic_phrase_plain_count": AR_RARE_PLAIN - gen.ar_plain_left,
        "arabic_phrase_marked_count": AR_RARE_MARKED - gen.ar_marked_left,
        "ip": HOT_IP, "ip_count": gen.hot["ip"], "cidr16": "10.20.0.0/16",
        "domain": HOT_DOMAIN, "domain_count": gen.hot["domain"],
        "hash": gen.hot_hash, "hash_count": gen.hot["hash"],
        "email": HOT_EMAIL, "email_count": gen.hot["email"],
        "url": HOT_URL, "url_count": gen.hot["url"],
        "featured_indicator": gen.featured_indicator,
        "featured_sightings": gen.featured_sightings,
        "featured_relationships": gen.featured_relationships,
        "popular_malware": gen.family_ids[FAMILIES[0]],
    }
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as m:
        json.dump(manifest, m, ensure_ascii=False, indent=1)
    print(json.dumps({k: manifest[k] for k in ["n", "types", "tlp", "by_org"]}))


if __name__ == "__main__":
    main()
