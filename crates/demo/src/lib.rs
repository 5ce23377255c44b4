//! Realistic, deterministic sample STIX 2.1 data for `tanseeq demo`.
//!
//! [`demo_objects`] builds a few hundred objects describing a plausible autumn 2026 threat
//! picture shared between two agencies (say a national CERT and a police cybercrime unit): a
//! ransomware crew hitting municipal networks, a phishing ring cloning government e-services, a
//! hacktivist DDoS and defacement group, and the commodity malware around them. Text is in
//! Arabic (`"lang":"ar"`) or English. Every object is one compact JSON text whose properties
//! appear in the order written here.
//!
//! Everything is deterministic: identifiers are UUIDv5 (from a namespace derived from the given
//! organizations' identity ids, so two nodes with different organizations do not mint the same
//! ids), timestamps are offsets from [`BASE_TIME`], and the only "randomness" is a fixed-seed
//! splitmix64. Network observables use documentation ranges (RFC 5737, RFC 3849) and reserved
//! domain names (RFC 2606/6761); threat actors, intrusion sets and malware families are
//! fictional; tools, ATT&CK techniques and CVEs are real.

mod json;

use json::Obj;
use std::collections::HashMap;
use uuid::Uuid;

/// An organization that submits demo objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrg {
    pub name: String,
    /// `identity--<uuid>`, used as the identity object's id and as `created_by_ref`.
    pub identity_id: String,
}

/// One STIX object and which organization (index into the input) submits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoObject {
    pub org_index: usize,
    /// One STIX 2.1 object, compact JSON.
    pub json: String,
}

/// TLP 2.0 marking-definition ids (OASIS common objects).
pub const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
pub const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
pub const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
pub const TLP_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
pub const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// The TLP 2.0 extension definition the marking definitions use.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// Every demo timestamp is this instant plus an offset.
pub const BASE_TIME: &str = "2026-10-01T00:00:00.000Z";

/// The STIX namespace for deterministic cyber-observable identifiers.
const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_557c_b0e4_e0cd2a6d3b4c);

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tlp {
    Clear,
    Green,
    Amber,
    AmberStrict,
    Red,
}

impl Tlp {
    fn id(self) -> &'static str {
        match self {
            Tlp::Clear => TLP_CLEAR,
            Tlp::Green => TLP_GREEN,
            Tlp::Amber => TLP_AMBER,
            Tlp::AmberStrict => TLP_AMBER_STRICT,
            Tlp::Red => TLP_RED,
        }
    }
}

/// splitmix64 with a fixed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(len);
        s
    }

    /// Mostly GREEN and AMBER, some CLEAR, a few AMBER+STRICT and RED.
    fn tlp(&mut self) -> Tlp {
        match self.below(100) {
            0..=9 => Tlp::Clear,
            10..=52 => Tlp::Green,
            53..=89 => Tlp::Amber,
            90..=94 => Tlp::AmberStrict,
            _ => Tlp::Red,
        }
    }
}

/// The STIX timestamp `ms` milliseconds after [`BASE_TIME`].
fn ts(ms: i64) -> String {
    let base: jiff::Timestamp = BASE_TIME.parse().expect("base time parses");
    (base + jiff::SignedDuration::from_millis(ms))
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Which story an indicator belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Ctx {
    Ransom,
    Phish,
    Hackt,
    Stealer,
    Loader,
    Banker,
}

impl Ctx {
    /// The submitting organization (0: the CERT side, 1: the police side).
    fn org(self) -> usize {
        match self {
            Ctx::Phish | Ctx::Banker => 1,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ipv4,
    Ipv6,
    Domain,
    Url,
    Sha256,
    Md5,
    Email,
}

/// Builds the demo data set for `orgs` (normally two). The first organization plays the
/// national CERT, the second the police cybercrime unit; with more organizations the extra ones
/// submit nothing, with one it submits everything, with none the result is empty.
///
/// The five TLP 2.0 marking definitions come first (attributed to organization 0, though they
/// carry no `created_by_ref`: they are the OASIS-published objects), then the identities, then
/// everything else in an order where referenced objects precede the objects that refer to them.
pub fn demo_objects(orgs: &[DemoOrg]) -> Vec<DemoObject> {
    if orgs.is_empty() {
        return Vec::new();
    }
    let mut g = Gen::new(orgs);
    g.build();
    g.out
}

struct Indicator {
    id: String,
    org: usize,
    ctx: Ctx,
    value: String,
    created: i64,
    tlp: Tlp,
}

struct Gen<'a> {
    orgs: &'a [DemoOrg],
    ns: Uuid,
    rng: Rng,
    seq: u64,
    out: Vec<DemoObject>,
    tlp_of: HashMap<String, Tlp>,
    ids: HashMap<&'static str, String>,
    /// Object ids per story, for reports and groupings.
    story: HashMap<Ctx, Vec<String>>,
    indicators: Vec<Indicator>,
}

impl<'a> Gen<'a> {
    fn new(orgs: &'a [DemoOrg]) -> Self {
        let mut name = String::from("https://tanseeq.example/demo");
        for org in orgs {
            name.push('/');
            name.push_str(&org.identity_id);
        }
        Gen {
            orgs,
            ns: Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes()),
            rng: Rng(0x7A45_EE90_2026_1001),
            seq: 0,
            out: Vec::new(),
            tlp_of: HashMap::new(),
            ids: HashMap::new(),
            story: HashMap::new(),
            indicators: Vec::new(),
        }
    }

    fn org(&self, role: usize) -> usize {
        role % self.orgs.len()
    }

    fn identity(&self, role: usize) -> &str {
        &self.orgs[self.org(role)].identity_id
    }

    fn new_id(&mut self, ty: &str) -> String {
        self.seq += 1;
        let uuid = Uuid::new_v5(&self.ns, format!("{ty}/{}", self.seq).as_bytes());
        format!("{ty}--{uuid}")
    }

    /// A named id, minted once.
    fn named(&mut self, key: &'static str, ty: &str) -> String {
        if let Some(id) = self.ids.get(key) {
            return id.clone();
        }
        let id = self.new_id(ty);
        self.ids.insert(key, id.clone());
        id
    }

    fn id(&self, key: &str) -> String {
        self.ids
            .get(key)
            .cloned()
            .unwrap_or_else(|| panic!("no demo object `{key}`"))
    }

    /// A time near `ms` with a natural-looking seconds and milliseconds part.
    fn near(&mut self, ms: i64) -> i64 {
        ms + self.rng.range(0, 59) * 1000 + self.rng.range(0, 999)
    }

    /// The common properties of an SDO or SRO, up to `modified`.
    fn head(&self, ty: &str, id: &str, role: usize, created: i64, modified: i64) -> Obj {
        Obj::new()
            .s("type", ty)
            .s("spec_version", "2.1")
            .s("id", id)
            .s("created_by_ref", self.identity(role))
            .s("created", ts(created))
            .s("modified", ts(modified))
    }

    /// Adds the marking, records it and appends the object.
    fn emit(&mut self, role: usize, id: &str, tlp: Tlp, obj: Obj) {
        let json = obj.strs("object_marking_refs", &[tlp.id()]).end();
        self.tlp_of.insert(id.to_owned(), tlp);
        self.out.push(DemoObject {
            org_index: self.org(role),
            json,
        });
    }

    fn tag(&mut self, ctx: Ctx, id: &str) {
        self.story.entry(ctx).or_default().push(id.to_owned());
    }

    /// A relationship; its marking is the more restrictive of its two ends.
    fn rel(&mut self, role: usize, rtype: &str, src: &str, tgt: &str, at: i64) -> String {
        let id = self.new_id("relationship");
        let tlp = self.tlp_of[src].max(self.tlp_of[tgt]);
        let created = self.near(at);
        let obj = self
            .head("relationship", &id, role, created, created)
            .s("relationship_type", rtype)
            .s("source_ref", src)
            .s("target_ref", tgt);
        self.emit(role, &id, tlp, obj);
        id
    }

    fn build(&mut self) {
        self.markings();
        self.identities();
        self.attack_patterns();
        self.vulnerabilities();
        self.actors();
        self.malware_and_tools();
        self.campaigns_and_infrastructure();
        self.courses_of_action();
        self.structure();
        self.all_indicators();
        self.observed();
        self.sightings();
        self.notes();
        self.reports();
    }

    // ----------------------------------------------------------------------------------------

    /// The five TLP 2.0 marking definitions, as published in oasis-open/cti-stix-common-objects.
    fn markings(&mut self) {
        for (tlp, name, level) in [
            (Tlp::Clear, "TLP:CLEAR", "clear"),
            (Tlp::Green, "TLP:GREEN", "green"),
            (Tlp::Amber, "TLP:AMBER", "amber"),
            (Tlp::AmberStrict, "TLP:AMBER+STRICT", "amber+strict"),
            (Tlp::Red, "TLP:RED", "red"),
        ] {
            let json = Obj::new()
                .s("type", "marking-definition")
                .s("spec_version", "2.1")
                .s("id", tlp.id())
                .s("created", "2022-10-01T00:00:00.000Z")
                .s("name", name)
                .obj(
                    "extensions",
                    Obj::new().obj(
                        TLP2_EXTENSION,
                        Obj::new()
                            .s("extension_type", "property-extension")
                            .s("tlp_2_0", level),
                    ),
                )
                .end();
            self.tlp_of.insert(tlp.id().to_owned(), tlp);
            self.out.push(DemoObject { org_index: 0, json });
        }
    }

    fn identities(&mut self) {
        let orgs = self.orgs;
        for (i, org) in orgs.iter().enumerate() {
            let obj = Obj::new()
                .s("type", "identity")
                .s("spec_version", "2.1")
                .s("id", &org.identity_id)
                .s("created_by_ref", &org.identity_id)
                .s("created", ts(0))
                .s("modified", ts(0))
                .s("name", &org.name)
                .s("identity_class", "organization")
                .strs("sectors", &["government"]);
            let json = obj.strs("object_marking_refs", &[TLP_CLEAR]).end();
            self.tlp_of.insert(org.identity_id.clone(), Tlp::Clear);
            self.out.push(DemoObject { org_index: i, json });
        }
        // Victim classes, for `targets` relationships.
        let id = self.named("victims-eservices", "identity");
        let obj = self
            .head("identity", &id, 1, 2 * HOUR, 2 * HOUR)
            .s(
                "name",
                "الجهات الحكومية المقدِّمة للخدمات الإلكترونية ومستخدموها",
            )
            .s(
                "description",
                "الوزارات والهيئات التي تقدّم خدماتها للجمهور عبر الإنترنت (دفع المخالفات المرورية، \
                 وتجديد الوثائق الرسمية، واسترداد الضرائب)، والمواطنون والمقيمون الذين يستخدمون \
                 هذه الخدمات.",
            )
            .s("identity_class", "class")
            .strs("sectors", &["government", "government-public-services"])
            .s("lang", "ar");
        self.emit(1, &id, Tlp::Clear, obj);
        let id = self.named("victims-municipal", "identity");
        let obj = self
            .head("identity", &id, 0, 2 * HOUR, 2 * HOUR)
            .s("name", "Municipalities and local government networks")
            .s(
                "description",
                "Municipal administrations, their hospitals and utilities, typically running flat \
                 Windows networks with internet-facing VPN gateways and limited 24/7 monitoring.",
            )
            .s("identity_class", "class")
            .strs("sectors", &["government-local"]);
        self.emit(0, &id, Tlp::Clear, obj);
    }

    fn attack_patterns(&mut self) {
        // (ATT&CK id, name, language of the description, tactics, description)
        type Technique = (
            &'static str,
            &'static str,
            &'static str,
            &'static [&'static str],
            &'static str,
        );
        const TECHNIQUES: &[Technique] = &[
            (
                "T1566.001",
                "Phishing: Spearphishing Attachment",
                "en",
                &["initial-access"],
                "Emails carrying malicious attachments (ISO images, ZIP archives with LNK shortcuts, \
                 macro-enabled documents) sent to named staff to gain execution on their workstations.",
            ),
            (
                "T1566.002",
                "Phishing: Spearphishing Link",
                "ar",
                &["initial-access"],
                "رسائل بريد إلكتروني أو رسائل نصية قصيرة تتضمّن روابط إلى صفحات دخول مزيَّفة تنتحل \
                 بوابات حكومية أو مصرفية، بهدف سرقة بيانات الاعتماد وبيانات البطاقات.",
            ),
            (
                "T1190",
                "Exploit Public-Facing Application",
                "en",
                &["initial-access"],
                "Exploitation of vulnerabilities in internet-facing systems such as VPN gateways, \
                 managed file transfer servers and content management systems.",
            ),
            (
                "T1133",
                "External Remote Services",
                "ar",
                &["initial-access", "persistence"],
                "استخدام خدمات الوصول عن بُعد المكشوفة على الإنترنت، مثل الشبكات الافتراضية الخاصة \
                 (VPN) وبروتوكول سطح المكتب البعيد (RDP)، للدخول إلى الشبكة والبقاء فيها.",
            ),
            (
                "T1078",
                "Valid Accounts",
                "en",
                &[
                    "defense-evasion",
                    "persistence",
                    "privilege-escalation",
                    "initial-access",
                ],
                "Use of legitimate credentials, often bought from initial access brokers or harvested \
                 by infostealers, to log in as an ordinary user and blend in.",
            ),
            (
                "T1059.001",
                "Command and Scripting Interpreter: PowerShell",
                "en",
                &["execution"],
                "Obfuscated PowerShell (encoded commands, download cradles) used to run loaders and \
                 post-exploitation tooling in memory.",
            ),
            (
                "T1003.001",
                "OS Credential Dumping: LSASS Memory",
                "ar",
                &["credential-access"],
                "استخراج بيانات الاعتماد من ذاكرة العملية LSASS على أنظمة ويندوز، عادةً باستخدام \
                 Mimikatz أو بإنشاء ملف تفريغ للذاكرة (dump) وتحليله خارج الشبكة.",
            ),
            (
                "T1490",
                "Inhibit System Recovery",
                "ar",
                &["impact"],
                "حذف النسخ الظلية ونقاط الاستعادة وتعطيل خيارات الإصلاح قبل التشفير، ومن ذلك تنفيذ \
                 الأمر vssadmin delete shadows /all /quiet.",
            ),
            (
                "T1486",
                "Data Encrypted for Impact",
                "en",
                &["impact"],
                "Encryption of files on servers and workstations to disrupt operations and extort a \
                 ransom payment, usually combined with the threat of leaking stolen data.",
            ),
            (
                "T1567.002",
                "Exfiltration Over Web Service: Exfiltration to Cloud Storage",
                "en",
                &["exfiltration"],
                "Bulk upload of stolen file-share content to commercial cloud storage, typically with \
                 Rclone, in the days before encryption.",
            ),
            (
                "T1498",
                "Network Denial of Service",
                "ar",
                &["impact"],
                "إغراق الخوادم أو الروابط الشبكية بحركة مرور كثيفة لتعطيل الخدمات الإلكترونية \
                 وإخراجها عن الخدمة.",
            ),
            (
                "T1491.002",
                "Defacement: External Defacement",
                "ar",
                &["impact"],
                "تغيير محتوى مواقع إلكترونية عامة لنشر رسائل سياسية أو دعائية والإساءة إلى سمعة \
                 الجهة المستهدَفة.",
            ),
            (
                "T1505.003",
                "Server Software Component: Web Shell",
                "en",
                &["persistence"],
                "A script planted on a web server (PHP, ASPX, JSP) that gives the intruder a \
                 persistent command interface over HTTP.",
            ),
            (
                "T1583.001",
                "Acquire Infrastructure: Domains",
                "ar",
                &["resource-development"],
                "تسجيل نطاقات تشبه أسماء الجهات الحكومية (بإضافة كلمات مثل pay أو verify أو renew) \
                 لاستخدامها في صفحات التصيّد الاحتيالي.",
            ),
            (
                "T1056.003",
                "Input Capture: Web Portal Capture",
                "en",
                &["collection", "credential-access"],
                "Cloned login portals that record everything victims type, including card numbers \
                 and one-time codes, and relay it to the operators in real time.",
            ),
            (
                "T1111",
                "Multi-Factor Authentication Interception",
                "ar",
                &["credential-access"],
                "اعتراض رموز التحقّق لمرة واحدة (OTP) عبر صفحات وسيطة أو عبر تطبيقات خبيثة تقرأ \
                 الرسائل النصية على الهاتف.",
            ),
        ];
        for (i, &(tid, name, lang, tactics, description)) in TECHNIQUES.iter().enumerate() {
            let id = self.named(tid, "attack-pattern");
            let created = self.near(3 * HOUR + i as i64 * 7 * MIN);
            let url = format!(
                "https://attack.mitre.org/techniques/{}/",
                tid.replace('.', "/")
            );
            let mut obj = self
                .head("attack-pattern", &id, 0, created, created)
                .s("name", name)
                .s("description", description)
                .objs(
                    "kill_chain_phases",
                    tactics
                        .iter()
                        .map(|t| {
                            Obj::new()
                                .s("kill_chain_name", "mitre-attack")
                                .s("phase_name", t)
                        })
                        .collect(),
                )
                .objs(
                    "external_references",
                    vec![
                        Obj::new()
                            .s("source_name", "mitre-attack")
                            .s("url", url)
                            .s("external_id", tid),
                    ],
                );
            if lang == "ar" {
                obj = obj.s("lang", "ar");
            }
            self.emit(0, &id, Tlp::Clear, obj);
        }
    }

    fn vulnerabilities(&mut self) {
        const CVES: &[(&str, &str, &str)] = &[
            (
                "CVE-2023-4966",
                "en",
                "Sensitive information disclosure in Citrix NetScaler ADC and NetScaler Gateway \
                 (\"Citrix Bleed\"): a buffer over-read leaks session tokens, allowing session \
                 hijacking that bypasses multi-factor authentication.",
            ),
            (
                "CVE-2024-3400",
                "ar",
                "ثغرة حقن أوامر في ميزة GlobalProtect بنظام PAN-OS من Palo Alto Networks، تتيح \
                 لمهاجم غير مصادَق تنفيذ أوامر بصلاحيات الجذر (root) على الجدار الناري.",
            ),
            (
                "CVE-2024-21762",
                "en",
                "Out-of-bounds write in the FortiOS SSL VPN daemon allowing an unauthenticated \
                 remote attacker to execute code through crafted HTTP requests.",
            ),
            (
                "CVE-2023-34362",
                "ar",
                "ثغرة حقن SQL في تطبيق الويب الخاص ببرنامج MOVEit Transfer، تسمح لمهاجم غير مصادَق \
                 بالوصول إلى قاعدة البيانات وزرع صَدَفة ويب (web shell) على الخادم.",
            ),
            (
                "CVE-2021-44228",
                "en",
                "Remote code execution in Apache Log4j 2 through JNDI lookups in logged strings \
                 (\"Log4Shell\"); still exploited against unmaintained web applications.",
            ),
        ];
        for (i, &(cve, lang, description)) in CVES.iter().enumerate() {
            let id = self.named(cve, "vulnerability");
            let created = self.near(5 * HOUR + i as i64 * 11 * MIN);
            let mut obj = self
                .head("vulnerability", &id, 0, created, created)
                .s("name", cve)
                .s("description", description)
                .objs(
                    "external_references",
                    vec![
                        Obj::new().s("source_name", "cve").s("external_id", cve),
                        Obj::new()
                            .s("source_name", "nvd")
                            .s("url", format!("https://nvd.nist.gov/vuln/detail/{cve}")),
                    ],
                );
            if lang == "ar" {
                obj = obj.s("lang", "ar");
            }
            self.emit(0, &id, Tlp::Clear, obj);
        }
    }

    fn actors(&mut self) {
        // Threat actors.
        let id = self.named("ta-ransom", "threat-actor");
        let c = self.near(DAY + 2 * HOUR);
        let obj = self
            .head("threat-actor", &id, 1, c, c)
            .s("name", "ظلّ الكثبان")
            .s(
                "description",
                "مجموعة إجرامية منظَّمة تدير برنامج الفدية DuneLock بنموذج «برمجيات الفدية كخدمة» \
                 (RaaS)، وتعتمد أسلوب الابتزاز المزدوج: تسريب البيانات قبل تشفيرها ثم التهديد \
                 بنشرها على موقع تسريبات في شبكة Tor. استهدفت بلديات ومستشفيات وجهات حكومية في \
                 المنطقة منذ مطلع عام 2025، وتطلب فِدًى تتراوح بين 300 ألف ومليونَي دولار بعملة \
                 مونيرو أو بيتكوين.",
            )
            .strs("threat_actor_types", &["crime-syndicate"])
            .strs("aliases", &["Dune Shadow", "DuneShadow"])
            .s("first_seen", ts(-270 * DAY))
            .strs("roles", &["director", "malware-author"])
            .strs("goals", &["الابتزاز المالي عبر تشفير البيانات وتسريبها"])
            .s("sophistication", "advanced")
            .s("resource_level", "organization")
            .s("primary_motivation", "personal-gain")
            .s("lang", "ar");
        self.emit(1, &id, Tlp::Amber, obj);
        self.tag(Ctx::Ransom, &id);

        let id = self.named("ta-phish", "threat-actor");
        let c = self.near(DAY + 3 * HOUR);
        let obj = self
            .head("threat-actor", &id, 1, c, c)
            .s("name", "شبكة «الصقر» للتصيّد الاحتيالي")
            .s(
                "description",
                "شبكة احتيال إلكتروني تنشئ نسخًا مزيَّفة من بوابات الخدمات الحكومية الإلكترونية \
                 (تجديد الوثائق، ودفع المخالفات المرورية، واسترداد الضرائب) وتروّج لها عبر رسائل \
                 نصية قصيرة ورسائل بريد إلكتروني، بهدف سرقة بيانات الدخول وأرقام البطاقات المصرفية \
                 ورموز التحقّق لمرة واحدة (OTP). يتوزّع أفرادها بين أكثر من دولة، ويستعينون بحسابات \
                 «بغال مالية» لسحب الأموال.",
            )
            .strs("threat_actor_types", &["criminal"])
            .strs("aliases", &["Saqr Phishing Ring", "SaqrPhish"])
            .s("first_seen", ts(-150 * DAY))
            .strs("roles", &["agent", "infrastructure-operator"])
            .s("sophistication", "intermediate")
            .s("resource_level", "team")
            .s("primary_motivation", "personal-gain")
            .s("lang", "ar");
        self.emit(1, &id, Tlp::Amber, obj);
        self.tag(Ctx::Phish, &id);

        let id = self.named("ta-hackt", "threat-actor");
        let c = self.near(DAY + 4 * HOUR);
        let obj = self
            .head("threat-actor", &id, 0, c, c)
            .s("name", "Nakhla Cyber Front")
            .s(
                "description",
                "Self-declared hacktivist group that announces targets on Telegram and claims DDoS \
                 attacks and website defacements against ministries and municipal portals. Claims \
                 are frequently exaggerated; the defacements seen so far relied on outdated CMS \
                 plugins and reused administrator passwords.",
            )
            .strs("threat_actor_types", &["activist"])
            .strs("aliases", &["جبهة النخلة السيبرانية", "NakhlaCF"])
            .s("first_seen", ts(-60 * DAY))
            .strs("roles", &["agent"])
            .s("sophistication", "minimal")
            .s("resource_level", "club")
            .s("primary_motivation", "ideology");
        self.emit(0, &id, Tlp::Green, obj);
        self.tag(Ctx::Hackt, &id);

        // Intrusion sets.
        let id = self.named("is-ransom", "intrusion-set");
        let c = self.near(DAY + 6 * HOUR);
        let obj = self
            .head("intrusion-set", &id, 0, c, c)
            .s("name", "DuneLock affiliate cluster DL-2")
            .s(
                "description",
                "Affiliates deploying DuneLock who gain initial access through unpatched SSL VPN \
                 appliances or purchased VPN credentials, stage Cobalt Strike, dump LSASS with \
                 Mimikatz and exfiltrate with Rclone before encrypting. Dwell time before \
                 encryption is typically 4 to 9 days.",
            )
            .strs("aliases", &["DL-2"])
            .s("first_seen", ts(-200 * DAY))
            .strs("goals", &["Double extortion of public-sector victims"])
            .s("resource_level", "organization")
            .s("primary_motivation", "personal-gain");
        self.emit(0, &id, Tlp::Amber, obj);
        self.tag(Ctx::Ransom, &id);

        let id = self.named("is-phish", "intrusion-set");
        let c = self.near(DAY + 7 * HOUR);
        let obj = self
            .head("intrusion-set", &id, 1, c, c)
            .s("name", "مشغّلو عُدّة التصيّد SaqrKit")
            .s(
                "description",
                "مجموعة نشاط تستخدم عُدّة تصيّد مكتوبة بلغة PHP تحاكي بوابات الدفع الحكومية، \
                 وتنقل البيانات المُدخلة فورًا إلى قناة على Telegram، وتسجّل عشرات النطاقات \
                 المتشابهة أسبوعيًا لدى مسجِّلين مختلفين.",
            )
            .strs("aliases", &["SaqrKit operators"])
            .s("first_seen", ts(-150 * DAY))
            .strs("goals", &["سرقة بيانات الدفع ورموز التحقّق"])
            .s("resource_level", "team")
            .s("primary_motivation", "personal-gain")
            .s("lang", "ar");
        self.emit(1, &id, Tlp::Amber, obj);
        self.tag(Ctx::Phish, &id);

        let id = self.named("is-hackt", "intrusion-set");
        let c = self.near(DAY + 8 * HOUR);
        let obj = self
            .head("intrusion-set", &id, 0, c, c)
            .s(
                "name",
                "نشاط حجب الخدمة وتشويه المواقع المنسوب إلى جبهة النخلة",
            )
            .s(
                "description",
                "موجات قصيرة من هجمات حجب الخدمة الموزّعة (DDoS) على طبقة التطبيقات، تُنفَّذ عبر \
                 شبكة روبوتات من أجهزة توجيه منزلية مخترَقة، إضافةً إلى تشويه مواقع تعمل بأنظمة \
                 إدارة محتوى قديمة بعد زرع صَدَفة ويب.",
            )
            .s("first_seen", ts(-60 * DAY))
            .s("resource_level", "club")
            .s("primary_motivation", "ideology")
            .s("lang", "ar");
        self.emit(0, &id, Tlp::Green, obj);
        self.tag(Ctx::Hackt, &id);
    }

    fn malware_and_tools(&mut self) {
        struct M {
            key: &'static str,
            ctx: Ctx,
            role: usize,
            name: &'static str,
            lang: &'static str,
            description: String,
            types: &'static [&'static str],
            aliases: &'static [&'static str],
            first_seen: i64,
            langs: &'static [&'static str],
            envs: &'static [&'static str],
            caps: &'static [&'static str],
            tlp: Tlp,
        }
        let qasid_sample = self.rng.hex(64);
        let list = vec![
            M {
                key: "mw-dunelock",
                ctx: Ctx::Ransom,
                role: 0,
                name: "DuneLock",
                lang: "ar",
                description: "برنامج فدية مكتوب بلغة Go يشفّر الملفات باستخدام خوارزمية ChaCha20 \
                              ويضيف إليها الامتداد ‎.dunelock، ويحذف النسخ الظلية عبر الأمر \
                              vssadmin delete shadows /all /quiet قبل بدء التشفير. يترك مذكرة فدية \
                              باسم README_DUNE.txt باللغتين العربية والإنجليزية."
                    .into(),
                types: &["ransomware"],
                aliases: &["Dune Locker"],
                first_seen: -260 * DAY,
                langs: &["go"],
                envs: &["x86-64"],
                caps: &[
                    "compromises-data-availability",
                    "exfiltrates-data",
                    "evades-av",
                ],
                tlp: Tlp::Green,
            },
            M {
                key: "mw-mirage",
                ctx: Ctx::Loader,
                role: 0,
                name: "MirageLoader",
                lang: "en",
                description: "Loader delivered as an ISO or ZIP attachment containing a LNK \
                              shortcut; the LNK runs an obfuscated PowerShell stage that fetches \
                              the next payload over HTTPS and loads it reflectively."
                    .into(),
                types: &["downloader", "dropper"],
                aliases: &[],
                first_seen: -120 * DAY,
                langs: &["powershell", "c++"],
                envs: &["x86-64", "x86"],
                caps: &[
                    "installs-other-components",
                    "communicates-with-c2",
                    "evades-av",
                ],
                tlp: Tlp::Green,
            },
            M {
                key: "mw-qasid",
                ctx: Ctx::Stealer,
                role: 0,
                name: "QasidStealer",
                lang: "ar",
                description: format!(
                    "برمجية لسرقة المعلومات تستهدف كلمات المرور المحفوظة في المتصفحات وملفات تعريف \
                     الارتباط الخاصة بجلسات البوابات الحكومية والمصرفية، وترسل ما تجمعه إلى خادم \
                     تحكّم عبر طلبات HTTP POST إلى المسار ‎/gate.php. من العيّنات المحلَّلة الملفُ \
                     ذو البصمة SHA-256 {qasid_sample}."
                ),
                types: &["spyware", "keylogger"],
                aliases: &["Qasid"],
                first_seen: -100 * DAY,
                langs: &["c#"],
                envs: &["x86"],
                caps: &[
                    "steals-authentication-credentials",
                    "exfiltrates-data",
                    "captures-input-peripherals",
                ],
                tlp: Tlp::Green,
            },
            M {
                key: "mw-saqrbanker",
                ctx: Ctx::Banker,
                role: 1,
                name: "SaqrBanker",
                lang: "ar",
                description: "تطبيق أندرويد خبيث يتنكّر في هيئة تطبيق رسمي لدفع المخالفات \
                              المرورية، ويطلب صلاحيات خدمات إمكانية الوصول (Accessibility) \
                              وقراءة الرسائل النصية، ثم يعترض رموز التحقّق (OTP) ويعرض شاشات دخول \
                              مزيّفة فوق تطبيقات المصارف."
                    .into(),
                types: &["trojan", "spyware"],
                aliases: &["تطبيق المخالفات المزيّف"],
                first_seen: -90 * DAY,
                langs: &["java"],
                envs: &["arm"],
                caps: &[
                    "steals-authentication-credentials",
                    "captures-input-peripherals",
                    "commits-fraud",
                ],
                tlp: Tlp::Amber,
            },
            M {
                key: "mw-nakhlashell",
                ctx: Ctx::Hackt,
                role: 0,
                name: "NakhlaShell",
                lang: "en",
                description: "Small PHP web shell (under 4 KB) dropped on compromised CMS servers \
                              before defacement; password-protected, accepts commands in a base64 \
                              POST parameter and can upload and replace index pages."
                    .into(),
                types: &["webshell"],
                aliases: &[],
                first_seen: -55 * DAY,
                langs: &["php"],
                envs: &[],
                caps: &["controls-local-machine"],
                tlp: Tlp::Green,
            },
            M {
                key: "mw-falakrat",
                ctx: Ctx::Ransom,
                role: 0,
                name: "FalakRAT",
                lang: "en",
                description: "Remote access trojan occasionally used by DuneLock affiliates as a \
                              fallback to Cobalt Strike; communicates over HTTPS with a JSON \
                              protocol and supports file transfer, screenshots and a reverse shell."
                    .into(),
                types: &["remote-access-trojan"],
                aliases: &[],
                first_seen: -180 * DAY,
                langs: &["c++"],
                envs: &["x86-64"],
                caps: &[
                    "accesses-remote-machines",
                    "communicates-with-c2",
                    "persists-after-system-reboot",
                ],
                tlp: Tlp::Amber,
            },
        ];
        for (i, m) in list.into_iter().enumerate() {
            let id = self.named(m.key, "malware");
            let c = self.near(DAY + 10 * HOUR + i as i64 * 23 * MIN);
            let mut obj = self
                .head("malware", &id, m.role, c, c)
                .s("name", m.name)
                .s("description", &m.description)
                .strs("malware_types", m.types)
                .flag("is_family", true);
            if !m.aliases.is_empty() {
                obj = obj.strs("aliases", m.aliases);
            }
            obj = obj.s("first_seen", ts(m.first_seen));
            if !m.envs.is_empty() {
                obj = obj.strs("architecture_execution_envs", m.envs);
            }
            obj = obj
                .strs("implementation_languages", m.langs)
                .strs("capabilities", m.caps);
            if m.lang == "ar" {
                obj = obj.s("lang", "ar");
            }
            self.emit(m.role, &id, m.tlp, obj);
            self.tag(m.ctx, &id);
        }

        // Tools (real software).
        // (key, name, description, tool types, ATT&CK software id, language)
        type ToolRow = (
            &'static str,
            &'static str,
            &'static str,
            &'static [&'static str],
            Option<&'static str>,
            &'static str,
        );
        const TOOLS: &[ToolRow] = &[
            (
                "tool-cobaltstrike",
                "Cobalt Strike",
                "Commercial adversary simulation framework; cracked copies are the most common \
                 post-exploitation tool in the ransomware intrusions handled this year.",
                &["remote-access", "exploitation"],
                Some("S0154"),
                "en",
            ),
            (
                "tool-mimikatz",
                "Mimikatz",
                "أداة مفتوحة المصدر لاستخراج كلمات المرور وتجزئاتها وتذاكر Kerberos من ذاكرة \
                 أنظمة ويندوز.",
                &["credential-exploitation"],
                Some("S0002"),
                "ar",
            ),
            (
                "tool-rclone",
                "Rclone",
                "Legitimate command-line program for syncing files to cloud storage, abused to \
                 exfiltrate file shares before encryption.",
                &["unknown"],
                Some("S1040"),
                "en",
            ),
            (
                "tool-anydesk",
                "AnyDesk",
                "برنامج شرعي للتحكّم بالأجهزة عن بُعد، يثبّته المهاجمون للحفاظ على الوصول إلى \
                 الشبكة إذا اكتُشفت أدوات Cobalt Strike وحُذفت.",
                &["remote-access"],
                None,
                "ar",
            ),
        ];
        for (i, &(key, name, description, types, attack, lang)) in TOOLS.iter().enumerate() {
            let id = self.named(key, "tool");
            let c = self.near(DAY + 14 * HOUR + i as i64 * 9 * MIN);
            let mut obj = self
                .head("tool", &id, 0, c, c)
                .s("name", name)
                .s("description", description)
                .strs("tool_types", types);
            if let Some(sid) = attack {
                obj = obj.objs(
                    "external_references",
                    vec![
                        Obj::new()
                            .s("source_name", "mitre-attack")
                            .s("url", format!("https://attack.mitre.org/software/{sid}/"))
                            .s("external_id", sid),
                    ],
                );
            }
            if lang == "ar" {
                obj = obj.s("lang", "ar");
            }
            self.emit(0, &id, Tlp::Clear, obj);
            self.tag(Ctx::Ransom, &id);
        }
    }

    fn campaign_c1(&self, modified: i64, last_seen: i64) -> Obj {
        let id = self.id("c-phish");
        self.head("campaign", &id, 1, 2 * DAY + 3 * HOUR + 17 * MIN, modified)
            .s("name", "حملة تصيّد احتيالي تستهدف بوابات الخدمات الحكومية")
            .s(
                "description",
                "رسائل نصية قصيرة تنتحل صفة وزارة الداخلية وتدّعي وجود مخالفة مرورية غير مسدَّدة، \
                 وتُحيل الضحية إلى نطاقات مثل moi-fines-pay.example لإدخال بيانات البطاقة ثم رمز \
                 التحقّق. رُصد أكثر من 40 نطاقًا مسجَّلًا خلال أسبوعين، يُستضاف معظمها على عناوين \
                 ضمن النطاق 203.0.113.0/24.",
            )
            .strs(
                "aliases",
                &["Fake traffic fines SMS wave", "رسائل المخالفات المزيّفة"],
            )
            .s("first_seen", ts(-20 * DAY))
            .s("last_seen", ts(last_seen))
            .s(
                "objective",
                "سرقة بيانات الدفع ورموز التحقّق لمرة واحدة من مستخدمي الخدمات الحكومية",
            )
            .s("lang", "ar")
    }

    fn campaigns_and_infrastructure(&mut self) {
        let id = self.named("c-phish", "campaign");
        let obj = self.campaign_c1(2 * DAY + 3 * HOUR + 17 * MIN, 2 * DAY);
        self.emit(1, &id, Tlp::Green, obj);
        self.tag(Ctx::Phish, &id);

        let id = self.named("c-ransom", "campaign");
        let c = self.near(2 * DAY + 5 * HOUR);
        let obj = self
            .head("campaign", &id, 0, c, c)
            .s("name", "DuneLock intrusions against municipal networks, autumn 2026")
            .s(
                "description",
                "Series of DuneLock intrusions against municipalities and a regional hospital group. \
                 Initial access through FortiOS and NetScaler appliances left unpatched for weeks \
                 after fixes were published; data was exfiltrated to cloud storage 2 to 6 days \
                 before encryption.",
            )
            .s("first_seen", ts(-35 * DAY))
            .s("objective", "Encrypt and exfiltrate data for double extortion")
            ;
        self.emit(0, &id, Tlp::Amber, obj);
        self.tag(Ctx::Ransom, &id);

        let id = self.named("c-hackt", "campaign");
        let c = self.near(2 * DAY + 6 * HOUR);
        let obj = self
            .head("campaign", &id, 0, c, c)
            .s("name", "حملة حجب الخدمة وتشويه المواقع ضد بوابات البلديات")
            .s(
                "description",
                "أعلنت جبهة النخلة السيبرانية عبر قناتها على Telegram استهداف بوابات البلديات \
                 وهيئات النقل. شملت الحملة موجات إغراق بطلبات HTTP تتراوح ذروتها بين 80 و120 ألف \
                 طلب في الثانية، وتشويه ثلاثة مواقع فرعية تعمل بإصدارات قديمة من أنظمة إدارة \
                 المحتوى.",
            )
            .s("first_seen", ts(-12 * DAY))
            .s(
                "objective",
                "إحراج الجهات الحكومية وتعطيل خدماتها الإلكترونية لأسباب سياسية",
            )
            .s("lang", "ar");
        self.emit(0, &id, Tlp::Green, obj);
        self.tag(Ctx::Hackt, &id);

        let id = self.named("c-stealer", "campaign");
        let c = self.near(3 * DAY + 2 * HOUR);
        let obj = self
            .head("campaign", &id, 0, c, c)
            .s(
                "name",
                "Invoice-themed malspam delivering MirageLoader and QasidStealer",
            )
            .s(
                "description",
                "Emails to finance and procurement staff of ministries, written in Arabic and \
                 English, with subjects such as \"فاتورة مستحقة الدفع\" and \"Tender documents \
                 2026\"; attachments are ISO images holding a LNK that starts MirageLoader, which \
                 then installs QasidStealer.",
            )
            .s("first_seen", ts(-25 * DAY))
            .s(
                "objective",
                "Harvest credentials and session cookies for resale",
            );
        self.emit(0, &id, Tlp::Green, obj);
        self.tag(Ctx::Stealer, &id);

        // (key, story, submitter, name, description, infrastructure types, language)
        type InfraRow = (
            &'static str,
            Ctx,
            usize,
            &'static str,
            &'static str,
            &'static [&'static str],
            &'static str,
        );
        const INFRA: &[InfraRow] = &[
            (
                "infra-ransom-c2",
                Ctx::Ransom,
                0,
                "خوادم التحكّم والسيطرة لبرنامج الفدية DuneLock",
                "خوادم افتراضية مستأجرة تعمل عليها خوادم فريق Cobalt Strike، مخفيّة خلف نطاقات \
                 تشبه خدمات التحديث وشبكات توزيع المحتوى، وتتبدّل كل أسبوعين تقريبًا.",
                &["command-and-control"],
                "ar",
            ),
            (
                "infra-phish-hosting",
                Ctx::Phish,
                1,
                "SaqrKit phishing hosting cluster",
                "Shared hosting and low-cost VPS in 203.0.113.0/24 serving the cloned e-government \
                 portals; each server hosts 5 to 15 look-alike domains behind the same TLS \
                 certificate issuer.",
                &["phishing"],
                "en",
            ),
            (
                "infra-hackt-botnet",
                Ctx::Hackt,
                0,
                "شبكة الروبوتات المستخدمة في هجمات حجب الخدمة على البلديات",
                "آلاف من أجهزة التوجيه المنزلية وكاميرات المراقبة المخترَقة، موزّعة على عدة دول، \
                 تُستخدم لإغراق البوابات بطلبات HTTP GET وHTTPS.",
                &["botnet", "amplification"],
                "ar",
            ),
            (
                "infra-stealer-panel",
                Ctx::Stealer,
                0,
                "QasidStealer exfiltration panels",
                "Panels receiving stolen credentials at /gate.php; operators resell logs through an \
                 automated shop on a Telegram bot.",
                &["exfiltration", "command-and-control"],
                "en",
            ),
        ];
        for (i, &(key, ctx, role, name, description, types, lang)) in INFRA.iter().enumerate() {
            let id = self.named(key, "infrastructure");
            let c = self.near(3 * DAY + 6 * HOUR + i as i64 * 31 * MIN);
            let mut obj = self
                .head("infrastructure", &id, role, c, c)
                .s("name", name)
                .s("description", description)
                .strs("infrastructure_types", types)
                .s("first_seen", ts(-30 * DAY - i as i64 * 9 * DAY));
            if lang == "ar" {
                obj = obj.s("lang", "ar");
            }
            let tlp = if role == 1 { Tlp::Amber } else { Tlp::Green };
            self.emit(role, &id, tlp, obj);
            self.tag(ctx, &id);
        }
    }

    fn coa1_en(&self) -> (&'static str, &'static str) {
        (
            "Patch and harden internet-facing VPN and remote-access appliances",
            "Apply vendor fixes for CVE-2023-4966, CVE-2024-3400 and CVE-2024-21762 within 48 hours \
             of release; after patching, terminate all active sessions, rotate the credentials of \
             administrative and service accounts, and restrict management interfaces to a \
             dedicated management network.",
        )
    }

    fn courses_of_action(&mut self) {
        let (name, description) = self.coa1_en();
        let coas: [(&'static str, &str, &str, &str); 4] = [
            ("coa-vpn", name, description, "en"),
            (
                "coa-mfa",
                "تفعيل المصادقة متعددة العوامل المقاوِمة للتصيّد",
                "استبدال رموز التحقّق المرسَلة عبر الرسائل النصية بمفاتيح أمان FIDO2 أو بإشعارات \
                 تطبيق موثوق مع مطابقة الرقم، للموظفين أولًا ثم لمستخدمي البوابات الحكومية، مع \
                 إظهار اسم النطاق الرسمي بوضوح في كل خطوة من خطوات الدفع.",
                "ar",
            ),
            (
                "coa-block",
                "Block shared indicators at DNS resolvers and web proxies",
                "Load the indicators shared on this node into protective DNS and web proxy block \
                 lists daily; alert rather than block for indicators marked as compromised \
                 infrastructure, which may belong to innocent third parties.",
                "en",
            ),
            (
                "coa-backup",
                "الاحتفاظ بنسخ احتياطية غير متصلة وغير قابلة للتعديل",
                "الاحتفاظ بنسخة احتياطية واحدة على الأقل معزولة عن الشبكة وعن نطاق Active \
                 Directory، واختبار الاستعادة الكاملة للأنظمة الحرجة كل ثلاثة أشهر.",
                "ar",
            ),
        ];
        for (i, (key, name, description, lang)) in coas.into_iter().enumerate() {
            let id = self.named(key, "course-of-action");
            let role = if key == "coa-mfa" { 1 } else { 0 };
            let c = self.near(4 * DAY + i as i64 * 3 * HOUR);
            let mut obj = self
                .head("course-of-action", &id, role, c, c)
                .s("name", name)
                .s("description", description);
            if lang == "ar" {
                obj = obj.s("lang", "ar");
            }
            self.emit(role, &id, Tlp::Clear, obj);
        }
    }

    /// Relationships among the threat-landscape objects.
    fn structure(&mut self) {
        let t = 5 * DAY;
        let rels: &[(usize, &str, &str, &str)] = &[
            (0, "attributed-to", "is-ransom", "ta-ransom"),
            (1, "attributed-to", "is-phish", "ta-phish"),
            (0, "attributed-to", "is-hackt", "ta-hackt"),
            (0, "attributed-to", "c-ransom", "is-ransom"),
            (1, "attributed-to", "c-phish", "is-phish"),
            (0, "attributed-to", "c-hackt", "is-hackt"),
            (0, "uses", "is-ransom", "mw-dunelock"),
            (0, "uses", "is-ransom", "mw-falakrat"),
            (0, "uses", "is-ransom", "tool-cobaltstrike"),
            (0, "uses", "is-ransom", "tool-mimikatz"),
            (0, "uses", "is-ransom", "tool-rclone"),
            (0, "uses", "is-ransom", "tool-anydesk"),
            (0, "uses", "is-ransom", "T1133"),
            (0, "uses", "is-ransom", "T1190"),
            (0, "uses", "is-ransom", "T1078"),
            (0, "uses", "is-ransom", "T1059.001"),
            (0, "uses", "is-ransom", "T1003.001"),
            (0, "uses", "is-ransom", "T1567.002"),
            (0, "uses", "is-ransom", "T1490"),
            (0, "uses", "is-ransom", "T1486"),
            (0, "uses", "is-ransom", "infra-ransom-c2"),
            (0, "targets", "is-ransom", "CVE-2023-4966"),
            (0, "targets", "is-ransom", "CVE-2024-21762"),
            (0, "targets", "is-ransom", "CVE-2024-3400"),
            (0, "targets", "is-ransom", "CVE-2023-34362"),
            (0, "targets", "c-ransom", "victims-municipal"),
            (1, "uses", "is-phish", "mw-saqrbanker"),
            (1, "uses", "is-phish", "T1566.002"),
            (1, "uses", "is-phish", "T1583.001"),
            (1, "uses", "is-phish", "T1056.003"),
            (1, "uses", "is-phish", "T1111"),
            (1, "uses", "is-phish", "infra-phish-hosting"),
            (1, "targets", "c-phish", "victims-eservices"),
            (0, "uses", "is-hackt", "mw-nakhlashell"),
            (0, "uses", "is-hackt", "T1498"),
            (0, "uses", "is-hackt", "T1491.002"),
            (0, "uses", "is-hackt", "T1505.003"),
            (0, "uses", "is-hackt", "T1190"),
            (0, "uses", "is-hackt", "infra-hackt-botnet"),
            (0, "targets", "is-hackt", "CVE-2021-44228"),
            (0, "targets", "c-hackt", "victims-municipal"),
            (0, "uses", "c-stealer", "mw-mirage"),
            (0, "uses", "c-stealer", "mw-qasid"),
            (0, "uses", "c-stealer", "T1566.001"),
            (0, "targets", "c-stealer", "victims-eservices"),
            (0, "drops", "mw-mirage", "mw-qasid"),
            (0, "uses", "mw-mirage", "T1059.001"),
            (0, "uses", "mw-qasid", "infra-stealer-panel"),
            (0, "uses", "mw-dunelock", "T1486"),
            (0, "uses", "mw-dunelock", "T1490"),
            (0, "mitigates", "coa-vpn", "CVE-2023-4966"),
            (0, "mitigates", "coa-vpn", "CVE-2024-3400"),
            (0, "mitigates", "coa-vpn", "CVE-2024-21762"),
            (1, "mitigates", "coa-mfa", "T1566.002"),
            (1, "mitigates", "coa-mfa", "T1111"),
            (1, "mitigates", "coa-mfa", "T1078"),
            (0, "mitigates", "coa-block", "T1566.001"),
            (0, "mitigates", "coa-block", "T1566.002"),
            (0, "mitigates", "coa-backup", "T1486"),
            (0, "mitigates", "coa-backup", "T1490"),
        ];
        for (i, (role, rtype, src, tgt)) in rels.iter().enumerate() {
            let (s, d) = (self.id(src), self.id(tgt));
            let rid = self.rel(*role, rtype, &s, &d, t + i as i64 * 13 * MIN);
            for (ctx, keys) in [
                (
                    Ctx::Ransom,
                    "is-ransom c-ransom mw-dunelock coa-vpn coa-backup",
                ),
                (Ctx::Phish, "is-phish c-phish coa-mfa"),
                (Ctx::Hackt, "is-hackt c-hackt"),
                (Ctx::Stealer, "c-stealer mw-mirage mw-qasid"),
            ] {
                if keys.split(' ').any(|k| k == *src) {
                    self.tag(ctx, &rid);
                    if !self.story[&ctx].contains(&d) {
                        self.tag(ctx, &d);
                    }
                }
            }
        }
    }

    // ----------------------------------------------------------------------------------------

    fn all_indicators(&mut self) {
        // (story, kind, how many)
        const PLAN: &[(Ctx, Kind, usize)] = &[
            (Ctx::Ransom, Kind::Ipv4, 14),
            (Ctx::Phish, Kind::Domain, 12),
            (Ctx::Hackt, Kind::Ipv4, 8),
            (Ctx::Stealer, Kind::Sha256, 6),
            (Ctx::Phish, Kind::Url, 8),
            (Ctx::Ransom, Kind::Sha256, 8),
            (Ctx::Phish, Kind::Email, 10),
            (Ctx::Banker, Kind::Domain, 4),
            (Ctx::Ransom, Kind::Domain, 6),
            (Ctx::Hackt, Kind::Ipv6, 6),
            (Ctx::Stealer, Kind::Ipv4, 6),
            (Ctx::Loader, Kind::Sha256, 5),
            (Ctx::Phish, Kind::Ipv4, 8),
            (Ctx::Banker, Kind::Sha256, 5),
            (Ctx::Phish, Kind::Domain, 12),
            (Ctx::Ransom, Kind::Ipv6, 4),
            (Ctx::Stealer, Kind::Domain, 5),
            (Ctx::Hackt, Kind::Ipv4, 8),
            (Ctx::Loader, Kind::Md5, 3),
            (Ctx::Stealer, Kind::Email, 5),
            (Ctx::Banker, Kind::Url, 4),
            (Ctx::Ransom, Kind::Url, 4),
            (Ctx::Stealer, Kind::Md5, 3),
            (Ctx::Phish, Kind::Url, 8),
            (Ctx::Hackt, Kind::Domain, 3),
            (Ctx::Loader, Kind::Email, 3),
            (Ctx::Phish, Kind::Ipv6, 2),
            (Ctx::Banker, Kind::Ipv4, 3),
            (Ctx::Ransom, Kind::Md5, 2),
            (Ctx::Stealer, Kind::Url, 5),
            (Ctx::Hackt, Kind::Sha256, 5),
        ];
        let mut counters = Counters::default();
        let mut n = 0usize;
        for (ctx, kind, count) in PLAN {
            for _ in 0..*count {
                let (pattern, value) = self.observable(*ctx, *kind, &mut counters);
                let arabic = match ctx {
                    Ctx::Phish | Ctx::Banker => !n.is_multiple_of(5),
                    _ => n % 5 < 2,
                };
                let (name, description) = indicator_text(*ctx, *kind, &value, arabic, n);
                self.indicator(n, *ctx, *kind, pattern, value, name, description, arabic);
                n += 1;
            }
        }
        for (i, (ctx, pattern, name, description, arabic)) in
            compound_patterns(&mut self.rng).into_iter().enumerate()
        {
            let value = format!("compound-{i}");
            self.indicator(n, ctx, Kind::Url, pattern, value, name, description, arabic);
            n += 1;
        }
        // Link indicators to what they indicate. The hacktivist ones are still under triage (they
        // go into a grouping instead), and one in six of the others has not been linked yet.
        let targets: HashMap<Ctx, &str> = [
            (Ctx::Ransom, "mw-dunelock"),
            (Ctx::Phish, "c-phish"),
            (Ctx::Stealer, "mw-qasid"),
            (Ctx::Loader, "mw-mirage"),
            (Ctx::Banker, "mw-saqrbanker"),
        ]
        .into_iter()
        .collect();
        let mut links = Vec::new();
        for (i, ind) in self.indicators.iter().enumerate() {
            if let Some(key) = targets.get(&ind.ctx)
                && i % 6 != 5
            {
                let target = if ind.ctx == Ctx::Ransom && ind.value.contains('.') && i % 2 == 0 {
                    "infra-ransom-c2"
                } else if ind.ctx == Ctx::Phish && i % 3 == 0 {
                    "infra-phish-hosting"
                } else {
                    key
                };
                links.push((ind.org, ind.id.clone(), target, ind.created, ind.ctx));
            }
        }
        for (org, id, target, created, ctx) in links {
            let t = self.id(target);
            let rid = self.rel(org, "indicates", &id, &t, created + 5 * MIN);
            self.tag(ctx, &rid);
        }
    }

    fn observable(&mut self, ctx: Ctx, kind: Kind, c: &mut Counters) -> (String, String) {
        match kind {
            Kind::Ipv4 => {
                let j = c.ipv4;
                c.ipv4 += 1;
                let net = ["198.51.100", "203.0.113", "192.0.2"][j % 3];
                let ip = format!("{net}.{}", 10 + (j / 3 * 37) % 240);
                (format!("[ipv4-addr:value = '{ip}']"), ip)
            }
            Kind::Ipv6 => {
                let j = c.ipv6;
                c.ipv6 += 1;
                let ip = format!(
                    "2001:db8:{:x}:{:x}::{:x}",
                    0x4a1 + j * 7,
                    0x10 * (j % 5 + 1),
                    2 + j * 3
                );
                (format!("[ipv6-addr:value = '{ip}']"), ip)
            }
            Kind::Domain => {
                let d = c.domain(ctx);
                (format!("[domain-name:value = '{d}']"), d)
            }
            Kind::Url => {
                let code = self.rng.hex(6).to_uppercase();
                let url = match ctx {
                    Ctx::Phish => {
                        let d = c.domain(ctx);
                        let path = [
                            "pay/fines.php",
                            "verify/login.php",
                            "renew/index.php",
                            "refund/claim.php",
                        ][c.url % 4];
                        format!("https://{d}/{path}?ref={code}")
                    }
                    Ctx::Banker => {
                        let d = c.domain(ctx);
                        format!("https://{d}/download/TrafficFines_v2.{}.apk", c.url % 7)
                    }
                    Ctx::Ransom => {
                        let d = c.domain(ctx);
                        format!("https://{d}/jquery-3.3.1.min.js?v={code}")
                    }
                    _ => {
                        let net = ["198.51.100", "203.0.113"][c.url % 2];
                        format!("http://{net}.{}/docs/invoice_{code}.zip", 250 - c.url % 5)
                    }
                };
                c.url += 1;
                (format!("[url:value = '{url}']"), url)
            }
            Kind::Sha256 => {
                let h = self.rng.hex(64);
                let file = match ctx {
                    Ctx::Stealer | Ctx::Loader if c.files.is_multiple_of(2) => Some(
                        [
                            "Invoice_0925.iso",
                            "Tender_2026.zip",
                            "فاتورة_سبتمبر.iso",
                            "Payment_Advice.lnk",
                        ][c.files % 4],
                    ),
                    Ctx::Banker => Some("TrafficFines.apk"),
                    _ => None,
                };
                c.files += 1;
                match file {
                    Some(f) => (
                        format!("[file:name = '{f}' AND file:hashes.'SHA-256' = '{h}']"),
                        h,
                    ),
                    None => (format!("[file:hashes.'SHA-256' = '{h}']"), h),
                }
            }
            Kind::Md5 => {
                let h = self.rng.hex(32);
                if c.files.is_multiple_of(2) {
                    let s = self.rng.hex(64);
                    c.files += 1;
                    (
                        format!("[file:hashes.MD5 = '{h}' OR file:hashes.'SHA-256' = '{s}']"),
                        h,
                    )
                } else {
                    c.files += 1;
                    (format!("[file:hashes.MD5 = '{h}']"), h)
                }
            }
            Kind::Email => {
                let j = c.email;
                c.email += 1;
                let e = match ctx {
                    Ctx::Phish => format!(
                        "{}@{}",
                        ["no-reply", "alerts", "eservices", "payments", "support"][j % 5],
                        [
                            "moi-notify.example",
                            "gov-epay.test",
                            "traffic-fines.example.com"
                        ][(j / 5) % 3]
                    ),
                    _ => format!(
                        "{}@{}",
                        ["finance.dept", "procurement", "accounts", "tenders"][j % 4],
                        ["tender-portal.example", "invoice-center.example.org"][(j / 4) % 2]
                    ),
                };
                (format!("[email-addr:value = '{e}']"), e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn indicator(
        &mut self,
        n: usize,
        ctx: Ctx,
        kind: Kind,
        pattern: String,
        value: String,
        name: String,
        description: String,
        arabic: bool,
    ) {
        // Some templates are English only; tag the text by what it is.
        let arabic = arabic && name.chars().any(|c| ('\u{0621}'..='\u{064A}').contains(&c));
        let role = ctx.org();
        let id = self.new_id("indicator");
        // Spread over seven weeks, roughly in plan order.
        let spread = self.rng.range(0, 240) * MIN;
        let created = self.near(6 * DAY + (n as i64) * 5 * HOUR + spread);
        let tlp = self.rng.tlp();
        let confidence = self.rng.range(5, 19) * 5;
        let valid_until = (self.rng.below(10) < 4).then(|| created + self.rng.range(30, 180) * DAY);
        let indicator_types: &[&str] = match (ctx, kind) {
            (Ctx::Hackt, Kind::Ipv4 | Kind::Ipv6) => &["malicious-activity", "compromised"],
            (Ctx::Hackt, Kind::Domain) => &["attribution"],
            (Ctx::Phish, Kind::Ipv4) if n.is_multiple_of(4) => {
                &["malicious-activity", "compromised"]
            }
            _ => &["malicious-activity"],
        };
        let phase = match (ctx, kind) {
            (Ctx::Phish, _) => Some("initial-access"),
            (_, Kind::Ipv4 | Kind::Ipv6 | Kind::Domain) => Some("command-and-control"),
            (_, Kind::Email) => Some("initial-access"),
            (_, Kind::Sha256 | Kind::Md5) => Some("execution"),
            _ => None,
        };
        let render = |g: &Gen<'_>, modified: i64, revoked: bool| -> Obj {
            let mut obj = g
                .head("indicator", &id, role, created, modified)
                .s("name", &name)
                .s("description", &description)
                .strs("indicator_types", indicator_types)
                .s("pattern", &pattern)
                .s("pattern_type", "stix")
                .s("pattern_version", "2.1")
                .s("valid_from", ts(created))
                .opt("valid_until", valid_until.map(ts));
            if let Some(p) = phase {
                obj = obj.objs(
                    "kill_chain_phases",
                    vec![
                        Obj::new()
                            .s("kill_chain_name", "mitre-attack")
                            .s("phase_name", p),
                    ],
                );
            }
            if revoked {
                obj = obj.flag("revoked", true);
            }
            obj = obj.int("confidence", confidence);
            if arabic {
                obj = obj.s("lang", "ar");
            }
            obj
        };
        let first = render(self, created, false);
        self.emit(role, &id, tlp, first);
        // A few indicators turned out to be false positives (shared hosting, a CDN edge): their
        // producer revoked them a few days later.
        if [17usize, 58, 101, 143, 176].contains(&n) {
            let later = self.rng.range(3, 9) * DAY;
            let modified = self.near(created + later);
            let second = render(self, modified, true);
            self.emit(role, &id, tlp, second);
        }
        self.tag(ctx, &id);
        self.indicators.push(Indicator {
            id,
            org: role,
            ctx,
            value,
            created,
            tlp,
        });
    }

    // ----------------------------------------------------------------------------------------

    /// An observed-data object over two SCOs from a CERT sensor, and the indicators based on it.
    fn observed(&mut self) {
        let ip_ind = self
            .indicators
            .iter()
            .position(|i| i.ctx == Ctx::Ransom && i.value.starts_with("198.51.100."))
            .expect("a ransomware IPv4 indicator");
        let dom_ind = self
            .indicators
            .iter()
            .position(|i| i.ctx == Ctx::Ransom && i.value.ends_with(".example.net"))
            .expect("a ransomware domain indicator");
        let ip = self.indicators[ip_ind].value.clone();
        let domain = self.indicators[dom_ind].value.clone();
        let ip_id = format!("ipv4-addr--{}", sco_uuid(&ip));
        let dom_id = format!("domain-name--{}", sco_uuid(&domain));
        let tlp = Tlp::Amber;
        let json = Obj::new()
            .s("type", "ipv4-addr")
            .s("spec_version", "2.1")
            .s("id", &ip_id)
            .s("value", &ip)
            .strs("object_marking_refs", &[tlp.id()])
            .end();
        self.tlp_of.insert(ip_id.clone(), tlp);
        self.out.push(DemoObject {
            org_index: self.org(0),
            json,
        });
        let json = Obj::new()
            .s("type", "domain-name")
            .s("spec_version", "2.1")
            .s("id", &dom_id)
            .s("value", &domain)
            .strs("resolves_to_refs", &[&ip_id])
            .strs("object_marking_refs", &[tlp.id()])
            .end();
        self.tlp_of.insert(dom_id.clone(), tlp);
        self.out.push(DemoObject {
            org_index: self.org(0),
            json,
        });

        let mut ids = Vec::new();
        for (k, count) in [(0i64, 214i64), (1, 37)] {
            let id = self.new_id("observed-data");
            let first = self.near(self.indicators[ip_ind].created - (3 - k) * DAY);
            let last = first + self.rng.range(20, 70) * HOUR;
            let c = last + 2 * HOUR;
            let obj = self
                .head("observed-data", &id, 0, c, c)
                .s("first_observed", ts(first))
                .s("last_observed", ts(last))
                .int("number_observed", count)
                .strs("object_refs", &[&ip_id, &dom_id]);
            self.emit(0, &id, tlp, obj);
            self.tag(Ctx::Ransom, &id);
            ids.push(id);
        }
        for (ind, od) in [(ip_ind, &ids[0]), (dom_ind, &ids[1])] {
            let (org, iid, created) = {
                let i = &self.indicators[ind];
                (i.org, i.id.clone(), i.created)
            };
            let rid = self.rel(org, "based-on", &iid, od, created + 10 * MIN);
            self.tag(Ctx::Ransom, &rid);
        }
        self.ids.insert("od-1", ids[0].clone());
    }

    /// Each organization reports seeing some of the other's indicators.
    fn sightings(&mut self) {
        let picks: Vec<usize> = (0..self.indicators.len())
            .filter(|i| i % 13 == 4)
            .take(15)
            .collect();
        for (k, i) in picks.into_iter().enumerate() {
            let (ind_id, ind_org, ind_created, ind_tlp, ctx) = {
                let ind = &self.indicators[i];
                (ind.id.clone(), ind.org, ind.created, ind.tlp, ind.ctx)
            };
            let seer = 1 - ind_org;
            let id = self.new_id("sighting");
            let delay = self.rng.range(4, 48) * HOUR;
            let first = self.near(ind_created + delay);
            let last = first + self.rng.range(1, 72) * HOUR;
            let c = last + self.rng.range(1, 6) * HOUR;
            let count = self.rng.range(1, 60);
            let where_seen = self.identity(seer).to_owned();
            let mut obj = self
                .head("sighting", &id, seer, c, c)
                .s("first_seen", ts(first))
                .s("last_seen", ts(last))
                .int("count", count)
                .s("sighting_of_ref", &ind_id)
                .strs("where_sighted_refs", &[&where_seen]);
            if k % 2 == 0 {
                obj = obj
                    .s(
                        "description",
                        "رُصدت اتصالات مطابقة لهذا المؤشر في سجلات جدار الحماية ووكيل الويب لدى \
                         الجهة، وعُزلت الأجهزة المعنية لفحصها.",
                    )
                    .s("lang", "ar");
            } else {
                obj = obj.s(
                    "description",
                    "Matched in perimeter firewall and web proxy logs; affected hosts isolated \
                     for triage.",
                );
            }
            self.emit(seer, &id, ind_tlp.max(Tlp::Green), obj);
            self.tag(ctx, &id);
        }
    }

    fn notes(&mut self) {
        let phish_domain = self
            .indicators
            .iter()
            .find(|i| {
                i.ctx == Ctx::Phish && i.value.contains(".example") && !i.value.contains(['/', '@'])
            })
            .map(|i| i.value.clone())
            .expect("a phishing domain");
        let phish_ip = self
            .indicators
            .iter()
            .find(|i| i.ctx == Ctx::Phish && i.value.starts_with("203.0.113."))
            .or_else(|| {
                self.indicators
                    .iter()
                    .find(|i| i.ctx == Ctx::Phish && i.value.contains('.'))
            })
            .map(|i| i.value.clone())
            .expect("a phishing address");
        let stealer_ind = self
            .indicators
            .iter()
            .find(|i| i.ctx == Ctx::Stealer && i.value.contains('.'))
            .map(|i| i.id.clone())
            .expect("a stealer indicator");
        let hackt = self.id("c-hackt");
        let dune = self.id("mw-dunelock");
        let c_phish = self.id("c-phish");
        // (submitter, abstract, content, object_refs, Arabic?, when)
        type NoteRow = (usize, &'static str, String, Vec<String>, bool, i64);
        let notes: Vec<NoteRow> = vec![
            (
                1,
                "بلاغات المواطنين عن رسائل المخالفات المرورية المزيّفة",
                format!(
                    "تلقّت الوحدة 37 بلاغًا خلال أسبوع واحد عن رسائل نصية تطلب دفع مخالفة مرورية \
                     عبر الرابط https://{phish_domain}/pay/fines.php. أكّد 12 مُبلِّغًا خصمَ مبالغ من \
                     بطاقاتهم بعد إدخال رمز التحقّق. نرجّح ارتباط هذه الرسائل بالخادم ذي العنوان \
                     {phish_ip}، وقد طُلب من مزوّد الاستضافة حفظ السجلات لأغراض التحقيق."
                ),
                vec![c_phish.clone()],
                true,
                20 * DAY,
            ),
            (
                0,
                "No free decryptor expected",
                "Samples analysed so far wrap a per-file ChaCha20 key with an embedded RSA-4096 \
                 public key; no weakness in key handling was found. Victims should restore from \
                 offline backups and preserve one encrypted host image for the investigation."
                    .to_owned(),
                vec![dune],
                false,
                22 * DAY,
            ),
            (
                1,
                "تأكيد ميداني",
                "ضُبط هذا المؤشر في سجلات متصفح على حاسوب محمول صودِر أثناء تفتيش بإذن قضائي في \
                 قضية احتيال إلكتروني، ما يعزّز الصلة بين مشغّلي QasidStealer وشبكة «الصقر»."
                    .to_owned(),
                vec![stealer_ind],
                true,
                30 * DAY,
            ),
            (
                0,
                "Impact assessment of the DDoS waves",
                "Most outages claimed on the group's Telegram channel lasted under 15 minutes; \
                 portals behind the national CDN were unaffected. Two municipal sites without \
                 rate limiting were unreachable for about 3 hours."
                    .to_owned(),
                vec![hackt],
                false,
                25 * DAY,
            ),
        ];
        for (role, abs, content, refs, arabic, at) in notes {
            let id = self.new_id("note");
            let c = self.near(at);
            let author = self.orgs[self.org(role)].name.clone();
            let tlp = refs
                .iter()
                .map(|r| self.tlp_of[r])
                .max()
                .unwrap_or(Tlp::Green)
                .max(Tlp::Green);
            let mut obj = self
                .head("note", &id, role, c, c)
                .s("abstract", abs)
                .s("content", &content)
                .strs("authors", &[author])
                .strs("object_refs", &refs);
            if arabic {
                obj = obj.s("lang", "ar");
            }
            self.emit(role, &id, tlp, obj);
        }
        // An update of the phishing campaign: it is still running.
        let modified = self.near(40 * DAY);
        let id = self.id("c-phish");
        let obj = self.campaign_c1(modified, 39 * DAY);
        self.emit(1, &id, Tlp::Green, obj);
    }

    fn reports(&mut self) {
        let at = 52 * DAY;
        // A grouping of the hacktivist indicators under triage.
        let id = self.new_id("grouping");
        let c = self.near(at);
        let refs = self.story[&Ctx::Hackt].clone();
        let obj = self
            .head("grouping", &id, 0, c, c)
            .s("name", "Nakhla Cyber Front: indicators under triage")
            .s(
                "description",
                "Addresses and domains seen in the DDoS waves and defacements, not yet attributed \
                 with confidence; many botnet nodes are compromised home routers.",
            )
            .s("context", "suspicious-activity")
            .strs("object_refs", &refs);
        self.emit(0, &id, Tlp::Green, obj);

        // The CERT's joint advisory on DuneLock, in English, with an Arabic translation.
        let id = self.new_id("report");
        let c = self.near(at + 2 * HOUR);
        let mut refs = self.story[&Ctx::Ransom].clone();
        refs.retain(|r| self.tlp_of[r] <= Tlp::Amber);
        let (name, description) = report_en();
        let obj = self
            .head("report", &id, 0, c, c)
            .s("name", name)
            .s("description", description)
            .strs("report_types", &["threat-report", "campaign"])
            .s("published", ts(c))
            .strs("object_refs", &refs);
        self.emit(0, &id, Tlp::Amber, obj);
        let report_r1 = (id, c);

        // The police unit's intelligence report on the phishing ring, in Arabic.
        let id = self.new_id("report");
        let c = self.near(at + 5 * HOUR);
        let mut refs = self.story[&Ctx::Phish].clone();
        refs.extend(self.story[&Ctx::Banker].iter().cloned());
        refs.retain(|r| self.tlp_of[r] <= Tlp::Amber);
        let obj = self
            .head("report", &id, 1, c, c)
            .s(
                "name",
                "تقرير استخباري: شبكة «الصقر» للتصيّد الاحتيالي وبوابات الخدمات الحكومية المزيّفة",
            )
            .s(
                "description",
                "يلخّص التقرير نشاط شبكة «الصقر» خلال شهرَي سبتمبر وأكتوبر 2026: أكثر من 40 نطاقًا \
                 مزيَّفًا، وتطبيق أندرويد خبيث يعترض رموز التحقّق، وخسائر مالية مُبلَّغ عنها لدى \
                 المصارف المحلية. ويتضمّن المؤشرات المرتبطة بالنشاط والإجراءاتِ الموصى بها للجهات \
                 المقدِّمة للخدمات الإلكترونية.",
            )
            .strs("report_types", &["threat-actor", "campaign", "indicator"])
            .s("published", ts(c))
            .strs("object_refs", &refs)
            .s("lang", "ar");
        self.emit(1, &id, Tlp::Amber, obj);

        // Arabic translations of two English objects.
        let coa = self.id("coa-vpn");
        let coa_created = self
            .out
            .iter()
            .find(|o| o.json.contains(&format!("\"id\":\"{coa}\"")))
            .and_then(|o| {
                let v: serde_json::Value = serde_json::from_str(&o.json).ok()?;
                v["modified"].as_str().map(str::to_owned)
            })
            .expect("course of action emitted");
        let translations = [
            (
                1usize,
                coa,
                coa_created,
                "تحديث أجهزة الشبكات الافتراضية الخاصة (VPN) والوصول عن بُعد المكشوفة على الإنترنت وتحصينها",
                "طبِّق إصلاحات المورِّدين للثغرات CVE-2023-4966 وCVE-2024-3400 وCVE-2024-21762 خلال \
                 48 ساعة من صدورها؛ وبعد التحديث، أنهِ جميع الجلسات النشطة، وغيِّر بيانات اعتماد \
                 الحسابات الإدارية وحسابات الخدمة، واحصر واجهات الإدارة في شبكة إدارة مخصَّصة.",
                Tlp::Clear,
            ),
            (
                0,
                report_r1.0,
                ts(report_r1.1),
                "نشرة مشتركة: اختراقات برنامج الفدية DuneLock لشبكات البلديات",
                "حصل الشركاء التابعون لـ DuneLock على الوصول الأولي عبر أجهزة SSL VPN غير المحدَّثة \
                 (CVE-2024-21762 وCVE-2023-4966) وعبر حسابات صالحة اشتروها من وسطاء الوصول، ثم \
                 نشروا Cobalt Strike، واستخرجوا بيانات الاعتماد من ذاكرة LSASS باستخدام Mimikatz، \
                 وسرّبوا محتوى مجلدات الملفات المشتركة إلى خدمات تخزين سحابية عبر Rclone، وحذفوا \
                 النسخ الظلية قبل تشفير الخوادم. تجمع هذه النشرة المؤشراتِ والأساليبَ وتدابيرَ \
                 التخفيف التي شاركتها الجهات المشارِكة.",
                Tlp::Amber,
            ),
        ];
        for (role, target, target_modified, name, description, tlp) in translations {
            let id = self.new_id("language-content");
            let c = self.near(at + 26 * HOUR + role as i64 * HOUR);
            let obj = self
                .head("language-content", &id, role, c, c)
                .s("object_ref", &target)
                .s("object_modified", target_modified)
                .obj(
                    "contents",
                    Obj::new().obj(
                        "ar",
                        Obj::new().s("name", name).s("description", description),
                    ),
                );
            self.emit(role, &id, tlp, obj);
        }
    }
}

fn report_en() -> (&'static str, &'static str) {
    (
        "Joint advisory: DuneLock ransomware intrusions against municipal networks",
        "DuneLock affiliates gained initial access through unpatched SSL VPN appliances \
         (CVE-2024-21762, CVE-2023-4966) and valid accounts bought from access brokers, staged \
         Cobalt Strike, dumped LSASS with Mimikatz, exfiltrated file shares to cloud storage with \
         Rclone, deleted shadow copies and encrypted servers. This advisory collects the \
         indicators, techniques and mitigations shared by the participating agencies.",
    )
}

/// Deterministic STIX identifier (UUIDv5) of an SCO whose only ID contributing property is
/// `value`.
fn sco_uuid(value: &str) -> Uuid {
    let canonical = format!("{{\"value\":{}}}", json::quote(value));
    Uuid::new_v5(&SCO_NAMESPACE, canonical.as_bytes())
}

#[derive(Default)]
struct Counters {
    ipv4: usize,
    ipv6: usize,
    url: usize,
    files: usize,
    email: usize,
    phish_domain: usize,
    c2_domain: usize,
    banker_domain: usize,
    hackt_domain: usize,
}

impl Counters {
    fn domain(&mut self, ctx: Ctx) -> String {
        match ctx {
            Ctx::Phish => {
                let j = self.phish_domain;
                self.phish_domain += 1;
                const P: [&str; 10] = [
                    "moi-fines",
                    "traffic-violations",
                    "gov-epay",
                    "eservices-verify",
                    "passport-renewal",
                    "tax-refund-portal",
                    "civil-id-update",
                    "visa-status-check",
                    "e-gov-notice",
                    "municipal-fees",
                ];
                const S: [&str; 5] = ["-pay", "", "-secure", "-online", "-ar"];
                const T: [&str; 4] = [".example", ".test", ".example.com", ".example.net"];
                format!("{}{}{}", P[j % 10], S[(j / 10) % 5], T[(j / 3) % 4])
            }
            Ctx::Banker => {
                let j = self.banker_domain;
                self.banker_domain += 1;
                format!(
                    "{}{}",
                    [
                        "fines-app",
                        "moi-mobile",
                        "traffic-app-update",
                        "gov-wallet"
                    ][j % 4],
                    [".example", ".test"][(j / 4) % 2]
                )
            }
            Ctx::Hackt => {
                let j = self.hackt_domain;
                self.hackt_domain += 1;
                format!(
                    "{}.example.org",
                    ["nakhla-front", "nakhla-news", "cyber-nakhla"][j % 3]
                )
            }
            _ => {
                let j = self.c2_domain;
                self.c2_domain += 1;
                const P: [&str; 8] = [
                    "cdn-sync",
                    "update-check",
                    "telemetry-api",
                    "static-assets",
                    "win-update-cache",
                    "cloud-metrics",
                    "img-cdn",
                    "api-gateway",
                ];
                const T: [&str; 3] = [".example.net", ".example.org", ".test"];
                format!(
                    "{}{}{}",
                    P[j % 8],
                    ["-svc", "-edge", "", "-node"][(j / 8) % 4],
                    T[j % 3]
                )
            }
        }
    }
}

/// Name and description of a generated indicator.
fn indicator_text(ctx: Ctx, kind: Kind, v: &str, ar: bool, n: usize) -> (String, String) {
    use Kind::*;
    let s = |a: &str, b: String| (a.to_owned(), b);
    match (ctx, kind, ar) {
        (Ctx::Ransom, Ipv4 | Ipv6, true) => (
            format!("خادم تحكّم وسيطرة لبرنامج الفدية DuneLock ({v})"),
            format!(
                "عنوان IP يستضيف خادم Cobalt Strike يستخدمه الشركاء التابعون لـ DuneLock للتحكّم \
                 بالأجهزة المخترَقة قبل تشفيرها. رُصدت إشارات (beacons) عبر HTTPS على المنفذ 443 \
                 كل 60 ثانية تقريبًا. العنوان: {v}."
            ),
        ),
        (Ctx::Ransom, Ipv4 | Ipv6, false) => (
            format!("DuneLock affiliate Cobalt Strike team server {v}"),
            "Team server receiving HTTPS beacons (sleep 60 s, jitter ~20%) from hosts later \
             encrypted by DuneLock. Block at the perimeter and hunt for connections in proxy logs \
             over the past 30 days."
                .into(),
        ),
        (Ctx::Ransom, Domain, true) => (
            format!("نطاق تحكّم لبرنامج الفدية DuneLock: {v}"),
            format!(
                "يُستخدم النطاق {v} لإخفاء خادم Cobalt Strike خلف اسم يوحي بخدمة تحديث أو شبكة \
                 توزيع محتوى، وقد سُجِّل قبل الهجوم بأيام قليلة."
            ),
        ),
        (Ctx::Ransom, Domain, false) => (
            format!("DuneLock C2 domain {v}"),
            "Domain fronting a Cobalt Strike team server; registered a few days before the \
             intrusion and named to resemble an update or CDN service."
                .into(),
        ),
        (Ctx::Ransom, Url, _) => s(
            "Cobalt Strike malleable C2 URL (jQuery profile)",
            format!(
                "Beacon check-in URL {v} using the public jQuery malleable profile; the response \
                 body mimics a minified jQuery file."
            ),
        ),
        (Ctx::Ransom, Sha256 | Md5, true) => (
            "مُشفِّر DuneLock لنظام ويندوز".into(),
            format!(
                "عيّنة من برنامج الفدية DuneLock جُمعت من خادم ملفات مشفَّر لدى إحدى البلديات. \
                 البصمة: {v}. تضيف الامتداد ‎.dunelock إلى الملفات وتترك الملف README_DUNE.txt."
            ),
        ),
        (Ctx::Ransom, Sha256 | Md5, false) => s(
            "DuneLock encryptor (Windows x64)",
            format!(
                "DuneLock payload recovered from an encrypted municipal file server ({v}). \
                 Appends .dunelock and drops README_DUNE.txt."
            ),
        ),
        (Ctx::Phish, Domain, true) => (
            format!("نطاق تصيّد ينتحل بوابة حكومية: {v}"),
            format!(
                "نطاق مسجَّل حديثًا ({v}) يحاكي بوابة الخدمات الإلكترونية لوزارة الداخلية، \
                 ويُروَّج له عبر رسائل نصية تزعم وجود مخالفة مرورية غير مسدَّدة، ويطلب من الضحية \
                 إدخال رقم البطاقة ورمز التحقّق (OTP)."
            ),
        ),
        (Ctx::Phish, Domain, false) => (
            format!("Look-alike e-government domain {v}"),
            "Newly registered domain impersonating the interior ministry e-services portal; \
             promoted through SMS lures about unpaid traffic fines."
                .into(),
        ),
        (Ctx::Phish, Url, true) => (
            "رابط تصيّد لدفع مخالفة مرورية مزعومة".into(),
            format!(
                "رابط وصل إلى المواطنين في رسالة نصية نصُّها: «لديك مخالفة مرورية غير مسدَّدة، \
                 ادفعها اليوم لتجنّب مضاعفة الغرامة: {v}». تجمع الصفحة بيانات البطاقة ثم تطلب رمز \
                 التحقّق."
            ),
        ),
        (Ctx::Phish, Url, false) => s(
            "Phishing URL: fake traffic-fine payment page",
            format!(
                "Link sent by SMS to citizens ({v}); the page collects card data, then the OTP."
            ),
        ),
        (Ctx::Phish, Email, true) => (
            format!("عنوان مُرسِل في حملة التصيّد: {v}"),
            format!(
                "استُخدم العنوان {v} لإرسال رسائل تزعم أنها صادرة عن «إدارة الخدمات الإلكترونية» \
                 وتطلب تحديث بيانات الحساب خلال 24 ساعة تجنّبًا لإيقافه."
            ),
        ),
        (Ctx::Phish, Email, false) => (
            format!("Phishing sender {v}"),
            "Sender of emails posing as the e-services department and asking recipients to \
             \"update account details within 24 hours\"."
                .into(),
        ),
        (Ctx::Phish, _, true) => (
            format!("عنوان يستضيف صفحات تصيّد تنتحل بوابات حكومية ({v})"),
            format!(
                "يستضيف العنوان {v} عدّة نطاقات تصيّد احتيالي تحاكي بوابة دفع المخالفات المرورية، \
                 وتُجمع البيانات المُدخلة عبر لوحة تحكّم مكتوبة بلغة PHP. أُبلغ مزوّد الاستضافة \
                 لإيقاف الخدمة."
            ),
        ),
        (Ctx::Phish, _, false) => (
            format!("Phishing kit host {v}"),
            "Hosts cloned e-government login pages (traffic fines, passport renewal) used in \
             the SMS phishing campaign."
                .into(),
        ),
        (Ctx::Hackt, Ipv4 | Ipv6, true) => (
            format!("عقدة ضمن شبكة الروبوتات المستخدمة في هجمات حجب الخدمة ({v})"),
            format!(
                "شارك العنوان {v} في موجات هجمات حجب الخدمة الموزّعة (DDoS) على بوابات البلديات \
                 بإغراقها بطلبات HTTP GET. قد يكون جهازًا منزليًا مخترَقًا، لذا يُفضَّل الحظر \
                 المؤقت بدلًا من الدائم."
            ),
        ),
        (Ctx::Hackt, Ipv4 | Ipv6, false) => (
            format!("DDoS botnet node {v}"),
            "Source of HTTP GET floods against municipal portals during the Nakhla Cyber Front \
             campaign. Likely a compromised home router; prefer time-limited blocking."
                .into(),
        ),
        (Ctx::Hackt, Domain, _) => (
            format!("Nakhla Cyber Front claims site {v}"),
            "Site where the group republishes its Telegram claims and defacement screenshots."
                .into(),
        ),
        (Ctx::Hackt, _, true) => (
            "صَدَفة الويب NakhlaShell".into(),
            format!(
                "ملف PHP عُثر عليه في مجلد الإضافات على خادم موقع بلدي مشوَّه، بصمته {v}. يستقبل \
                 الأوامر مشفّرة بترميز base64 في معامل POST."
            ),
        ),
        (Ctx::Hackt, _, false) => s(
            "NakhlaShell PHP web shell",
            format!("Web shell found in the plugins directory of a defaced municipal site ({v})."),
        ),
        (Ctx::Stealer, Sha256 | Md5, true) => (
            "عيّنة من برمجية QasidStealer".into(),
            format!(
                "ملف تنفيذي يسرق كلمات المرور وملفات تعريف الارتباط من المتصفحات، بصمته {v}. \
                 وصل ضمن مرفق بريد إلكتروني بعنوان «فاتورة مستحقة الدفع»."
            ),
        ),
        (Ctx::Stealer, Sha256 | Md5, false) => s(
            "QasidStealer sample",
            format!("Infostealer payload installed by MirageLoader ({v})."),
        ),
        (Ctx::Stealer, Email, _) | (Ctx::Loader, Email, _) => (
            format!("Malspam sender {v}"),
            "Sender of invoice- and tender-themed emails with ISO or ZIP attachments delivering \
             MirageLoader."
                .into(),
        ),
        (Ctx::Stealer, Url, _) => s(
            "QasidStealer second-stage download URL",
            format!("Archive fetched by the MirageLoader PowerShell stage: {v}"),
        ),
        (Ctx::Stealer, _, true) => (
            format!("لوحة استقبال البيانات المسروقة لبرمجية QasidStealer ({v})"),
            format!(
                "تُرسِل عيّنات QasidStealer ما تسرقه من كلمات مرور وملفات تعريف الارتباط إلى {v} \
                 عبر طلبات HTTP POST إلى المسار ‎/gate.php."
            ),
        ),
        (Ctx::Stealer, _, false) => (
            format!("QasidStealer exfiltration panel {v}"),
            "Receives stolen browser credentials and session cookies via HTTP POST to /gate.php."
                .into(),
        ),
        (Ctx::Loader, _, true) => (
            "مرفق خبيث يحمّل MirageLoader".into(),
            format!(
                "صورة قرص ISO تحتوي على اختصار LNK يشغّل أوامر PowerShell مشفّرة لتنزيل المرحلة \
                 التالية. البصمة: {v}."
            ),
        ),
        (Ctx::Loader, _, false) => s(
            "MirageLoader attachment",
            format!("ISO or ZIP attachment with a LNK launching the PowerShell stage ({v})."),
        ),
        (Ctx::Banker, Domain | Url, true) => (
            format!("موقع توزيع تطبيق SaqrBanker الخبيث: {v}"),
            format!(
                "صفحة تدعو المستخدم إلى تثبيت «التطبيق الرسمي لدفع المخالفات» من خارج متجر \
                 التطبيقات عبر {v}، ثم تطلب منه السماح بالتثبيت من مصادر غير معروفة."
            ),
        ),
        (Ctx::Banker, Domain | Url, false) => (
            format!("SaqrBanker distribution site {v}"),
            "Page urging users to sideload the \"official traffic fines app\".".into(),
        ),
        (Ctx::Banker, Sha256 | Md5, true) => (
            format!("حزمة APK خبيثة لتطبيق SaqrBanker (الإصدار 2.{})", n % 7),
            format!(
                "تطبيق أندرويد ينتحل صفة تطبيق المخالفات المرورية ويعترض الرسائل النصية. البصمة: {v}."
            ),
        ),
        (Ctx::Banker, Sha256 | Md5, false) => (
            "SaqrBanker APK".into(),
            format!("Malicious Android package posing as the traffic fines app ({v})."),
        ),
        (Ctx::Banker, _, true) => (
            format!("خادم تحكّم لتطبيق SaqrBanker الخبيث ({v})"),
            format!(
                "يتصل التطبيق الخبيث بالعنوان {v} عبر WebSocket لتلقّي الأوامر وإرسال الرسائل \
                 النصية المعترَضة التي تحتوي على رموز التحقّق."
            ),
        ),
        (Ctx::Banker, _, false) => (
            format!("SaqrBanker Android C2 {v}"),
            "WebSocket C2 receiving intercepted SMS one-time passwords.".into(),
        ),
        (Ctx::Ransom, _, _) => s(
            "DuneLock-related observable",
            format!("Observed in DuneLock intrusions: {v}"),
        ),
    }
}

/// Hand-written indicators with richer patterns: (story, pattern, name, description, Arabic?).
fn compound_patterns(rng: &mut Rng) -> Vec<(Ctx, String, String, String, bool)> {
    let apk = rng.hex(64);
    vec![
        (
            Ctx::Ransom,
            "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.252' AND network-traffic:dst_port = 8443]".into(),
            "Rclone exfiltration to rented VPS over TCP 8443".into(),
            "Large outbound transfers (tens of GB) to 198.51.100.252:8443 observed 2 to 6 days \
             before DuneLock encryption."
                .into(),
            false,
        ),
        (
            Ctx::Ransom,
            "[process:command_line = 'vssadmin.exe delete shadows /all /quiet']".into(),
            "حذف النسخ الظلية قبل التشفير".into(),
            "تنفيذ الأمر vssadmin.exe delete shadows /all /quiet مؤشرٌ قوي على قرب بدء التشفير؛ \
             يجب التعامل معه كحادث عاجل وعزل الجهاز فورًا."
                .into(),
            true,
        ),
        (
            Ctx::Ransom,
            "[file:name = 'README_DUNE.txt']".into(),
            "DuneLock ransom note".into(),
            "Ransom note written to every encrypted directory, in Arabic and English.".into(),
            false,
        ),
        (
            Ctx::Phish,
            "[domain-name:value LIKE '%moi-fines%']".into(),
            "نمط نطاقات التصيّد التي تنتحل بوابة دفع المخالفات".into(),
            "يطابق النطاقات التي تحتوي على العبارة moi-fines، وهي التسمية الأكثر تكرارًا في \
             النطاقات التي سجّلتها الشبكة."
                .into(),
            true,
        ),
        (
            Ctx::Phish,
            "[email-message:from_ref.value = 'alerts@gov-epay.test' AND email-message:subject = 'إشعار: مخالفة مرورية غير مسدَّدة']".into(),
            "رسالة تصيّد بعنوان «إشعار: مخالفة مرورية غير مسدَّدة»".into(),
            "رسائل بريد إلكتروني تحمل هذا العنوان وتحيل إلى صفحة دفع مزيّفة.".into(),
            true,
        ),
        (
            Ctx::Loader,
            "[file:name = 'Invoice_0925.lnk'] FOLLOWEDBY [process:command_line LIKE '%powershell%-enc%'] WITHIN 300 SECONDS".into(),
            "LNK attachment followed by encoded PowerShell".into(),
            "Opening the MirageLoader shortcut is followed within minutes by an encoded \
             PowerShell command line."
                .into(),
            false,
        ),
        (
            Ctx::Stealer,
            "[ipv4-addr:value = '203.0.113.251'] REPEATS 3 TIMES WITHIN 600 SECONDS".into(),
            "QasidStealer repeated check-ins".into(),
            "Infected hosts post collected data to 203.0.113.251 several times within minutes \
             of infection."
                .into(),
            false,
        ),
        (
            Ctx::Banker,
            format!("[file:name = 'TrafficFines_v2.3.apk' AND file:hashes.'SHA-256' = '{apk}']"),
            "حزمة التطبيق المزيّف TrafficFines_v2.3.apk".into(),
            format!("الإصدار الأكثر انتشارًا من التطبيق الخبيث، وُزِّع عبر روابط في رسائل نصية. البصمة: {apk}."),
            true,
        ),
    ]
}
