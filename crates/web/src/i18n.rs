//! The interface's two languages. Every label is a [`M`] with its English and Arabic text side
//! by side, so a label cannot exist in one language only (the compiler checks it). Dates are
//! shown in UTC (operations rooms of several states share one clock) with the month named in
//! the user's language; numbers keep Latin digits, grouped by thousands.

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ar,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ar => "ar",
        }
    }

    pub fn dir(self) -> &'static str {
        match self {
            Lang::En => "ltr",
            Lang::Ar => "rtl",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "ar" => Some(Lang::Ar),
            _ => None,
        }
    }

    /// The language a browser prefers among ours (`Accept-Language`, with q-values); English
    /// when it names neither.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let primary = tag.split('-').next().unwrap_or("");
            let Some(lang) = Lang::parse(primary) else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::En)
    }

    pub fn t(self, message: M) -> &'static str {
        message.text(self)
    }
}

macro_rules! messages {
    ($($key:ident: $en:literal, $ar:literal;)*) => {
        /// A label of the interface.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum M { $($key),* }

        impl M {
            pub const ALL: &'static [M] = &[$(M::$key),*];

            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((M::$key, Lang::En) => $en, (M::$key, Lang::Ar) => $ar,)*
                }
            }
        }
    };
}

messages! {
    AppName: "tanseeq", "تنسيق";
    AppTagline: "Operations room", "غرفة العمليات";
    Dashboard: "Dashboard", "لوحة المتابعة";
    Search: "Search", "بحث";
    Submit: "Submit", "إرسال";
    Partners: "Partners", "الشركاء";
    Admin: "Administration", "الإدارة";
    SignIn: "Sign in", "تسجيل الدخول";
    SignOut: "Sign out", "تسجيل الخروج";
    UserName: "User name", "اسم المستخدم";
    Password: "Password", "كلمة المرور";
    SignInTitle: "Sign in to the operations room", "الدخول إلى غرفة العمليات";
    WrongCredentials: "Unknown user name or wrong password.", "اسم المستخدم غير معروف أو كلمة المرور خاطئة.";
    TooManyAttempts: "Too many failed sign-ins. Wait a moment and try again.", "محاولات دخول فاشلة كثيرة. انتظر قليلًا ثم أعد المحاولة.";
    SessionExpired: "Your session has ended. Sign in again to continue; what you typed is kept.", "انتهت جلستك. سجّل الدخول مجددًا للمتابعة؛ ما كتبته محفوظ.";
    FormExpired: "This form is out of date. Reload the page and try again.", "انتهت صلاحية هذا النموذج. أعد تحميل الصفحة وحاول مرة أخرى.";
    Language: "Language", "اللغة";
    LiveFeed: "Live feed", "البث المباشر";
    LiveFeedHint: "New objects, sightings and partner activity appear here as they arrive.", "تظهر هنا الكائنات الجديدة والمشاهدات ونشاط الشركاء فور وصولها.";
    Connected: "live", "مباشر";
    Disconnected: "reconnecting…", "جارٍ إعادة الاتصال…";
    Last30Days: "Last 30 days", "آخر 30 يومًا";
    ObjectsPerDay: "Objects received per day", "الكائنات المستلمة يوميًا";
    Total: "Total", "المجموع";
    ByPartner: "By partner", "حسب الشريك";
    ByTlp: "By TLP", "حسب بروتوكول إشارات المرور";
    ByType: "By type", "حسب النوع";
    Count: "Count", "العدد";
    Partner: "Partner", "الشريك";
    Type: "Type", "النوع";
    Tlp: "TLP", "TLP";
    NoTlp: "none", "بدون";
    Name: "Name", "الاسم";
    Description: "Description", "الوصف";
    Added: "Added", "أضيف";
    From: "From", "من";
    To: "To", "إلى";
    Any: "any", "الكل";
    SearchPlaceholder: "Words in Arabic or English, or an IP, CIDR, domain, URL, hash or e-mail", "كلمات بالعربية أو الإنجليزية، أو عنوان IP أو نطاق CIDR أو نطاق أو رابط أو بصمة أو بريد";
    SearchButton: "Search", "ابحث";
    NoResults: "Nothing found.", "لا توجد نتائج.";
    Results: "Results", "النتائج";
    MatchedObservable: "exact value", "قيمة مطابقة";
    MatchedText: "text", "نص";
    Properties: "Properties", "الخصائص";
    Relationships: "Relationships", "العلاقات";
    Outgoing: "from this object", "من هذا الكائن";
    Incoming: "to this object", "إلى هذا الكائن";
    NoRelationships: "No relationships.", "لا توجد علاقات.";
    Versions: "Versions", "الإصدارات";
    Version: "Version", "الإصدار";
    Markings: "Markings", "العلامات";
    Provenance: "Provenance", "المصدر الموثّق";
    SignedBy: "Signed by", "موقّع من";
    Verified: "verified", "تم التحقق";
    NotVerified: "not verified", "لم يتم التحقق";
    Unsigned: "Not signed yet.", "غير موقّع بعد.";
    Sightings: "Sightings", "المشاهدات";
    NoSightings: "No sightings.", "لا توجد مشاهدات.";
    Originator: "Originator", "الجهة المصدرة";
    Collection: "Collection", "المجموعة";
    SubmitIndicator: "Submit an indicator", "إرسال مؤشر";
    SubmitBundle: "Submit a bundle", "إرسال حزمة";
    Pattern: "Pattern (STIX)", "النمط (STIX)";
    PatternOk: "Valid pattern", "نمط صالح";
    PatternChecking: "checking…", "جارٍ التحقق…";
    BundleJson: "STIX bundle (JSON)", "حزمة STIX (JSON)";
    BundleFile: "or load a file", "أو حمّل ملفًا";
    Send: "Send", "أرسل";
    Stored: "Stored", "تم الحفظ";
    StoredCount: "objects stored", "كائنات محفوظة";
    Failed: "failed", "فشل";
    Peers: "Peer nodes", "العقد الشريكة";
    NoPeers: "This node has no peers.", "لا توجد عقد شريكة لهذه العقدة.";
    Url: "URL", "العنوان";
    Direction: "Direction", "الاتجاه";
    LastPull: "Last pull", "آخر سحب";
    LastPush: "Last push", "آخر دفع";
    InStep: "In step", "متزامن";
    Lag: "Lag", "التأخر";
    Received: "Received", "المستلم";
    Sent: "Sent", "المرسل";
    Refused: "Refused", "المرفوض";
    Errors: "Errors", "الأخطاء";
    LastError: "Last error", "آخر خطأ";
    Never: "never", "أبدًا";
    PartnerOrganizations: "Partner organizations", "المنظمات الشريكة";
    HomeNode: "Home node", "العقدة الأم";
    ThisNode: "this node", "هذه العقدة";
    Organizations: "Organizations", "المنظمات";
    Users: "Users", "المستخدمون";
    Tokens: "API tokens", "رموز الواجهة البرمجية";
    Collections: "Collections", "المجموعات";
    Role: "Role", "الدور";
    Organization: "Organization", "المنظمة";
    Add: "Add", "أضف";
    Create: "Create", "أنشئ";
    Revoke: "Revoke", "ألغِ";
    Revoked: "revoked", "ملغى";
    Label: "Label", "التسمية";
    Created: "Created", "أنشئ في";
    Title: "Title", "العنوان";
    ReadBy: "Read by", "القراءة";
    WriteBy: "Write by", "الكتابة";
    TokenShownOnce: "Copy this token now; it is not shown again:", "انسخ هذا الرمز الآن؛ لن يظهر مرة أخرى:";
    Done: "Done.", "تم.";
    NotFoundTitle: "Not found", "غير موجود";
    NotFoundText: "There is nothing here, or you may not see it.", "لا يوجد شيء هنا، أو لا يحق لك رؤيته.";
    ErrorTitle: "Something went wrong", "حدث خطأ";
    ErrorId: "Error id", "رقم الخطأ";
    ForbiddenTitle: "Not allowed", "غير مسموح";
    BadInputTitle: "Cannot do that", "لا يمكن تنفيذ ذلك";
    Back: "Back", "رجوع";
    Kind: "Kind", "الصنف";
    KindObject: "object", "كائن";
    KindSighting: "sighting", "مشاهدة";
    KindPartner: "from a partner", "من شريك";
    Graph: "Graph", "المخطط";
    Yes: "yes", "نعم";
    No: "no", "لا";
    Id: "ID", "المعرّف";
    Pull: "pull", "سحب";
    Push: "push", "دفع";
    ChooseCollection: "Choose a collection.", "اختر مجموعة.";
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_AR: [&str; 12] = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
];

fn month(lang: Lang, month: i8) -> &'static str {
    let i = (month.clamp(1, 12) - 1) as usize;
    match lang {
        Lang::En => MONTHS_EN[i],
        Lang::Ar => MONTHS_AR[i],
    }
}

/// A moment, in UTC, with the month in the user's language: `29 Nov 2026, 09:12 UTC`.
pub fn format_time(lang: Lang, at: jiff::Timestamp) -> String {
    let dt = at.to_zoned_datetime(jiff::tz::TimeZone::UTC).datetime();
    let comma = match lang {
        Lang::En => ",",
        Lang::Ar => "،",
    };
    format!(
        "{} {} {}{comma} {:02}:{:02} UTC",
        dt.day(),
        month(lang, dt.month()),
        dt.year(),
        dt.hour(),
        dt.minute()
    )
}

/// A day: `29 Nov 2026`.
pub fn format_day(lang: Lang, day: jiff::civil::Date) -> String {
    format!("{} {} {}", day.day(), month(lang, day.month()), day.year())
}

/// A count with thousands grouped: `1,234,567`.
pub fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_both_languages() {
        for m in M::ALL {
            assert!(!m.text(Lang::En).is_empty(), "{m:?}");
            assert!(!m.text(Lang::Ar).is_empty(), "{m:?}");
        }
        // The Arabic text is Arabic (a few labels are acronyms or names in both).
        let latin_both = [M::Tlp];
        for m in M::ALL.iter().filter(|m| !latin_both.contains(m)) {
            assert!(
                m.text(Lang::Ar)
                    .chars()
                    .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                "{m:?} has no Arabic text"
            );
        }
    }

    #[test]
    fn accept_language_picks_the_preferred_of_ours() {
        let cases = [
            ("", Lang::En),
            ("ar", Lang::Ar),
            ("ar-BH,ar;q=0.9,en;q=0.8", Lang::Ar),
            ("en-US,en;q=0.9,ar;q=0.8", Lang::En),
            ("fr-FR,ar;q=0.5", Lang::Ar),
            ("fr, de", Lang::En),
            ("en;q=0.2, ar;q=0.7", Lang::Ar),
            ("ar;q=0", Lang::En),
            ("garbage;;;q=x,,", Lang::En),
        ];
        for (header, want) in cases {
            assert_eq!(Lang::from_accept_language(header), want, "{header}");
        }
    }

    #[test]
    fn dates_and_counts() {
        let at: jiff::Timestamp = "2026-11-29T09:12:44Z".parse().unwrap();
        assert_eq!(format_time(Lang::En, at), "29 Nov 2026, 09:12 UTC");
        assert_eq!(format_time(Lang::Ar, at), "29 نوفمبر 2026، 09:12 UTC");
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_000), "1,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }
}
