//! Text for search in Arabic and English. The same normalization is applied to what is
//! indexed and to what is searched, so a query without diacritics finds a text written with
//! them, and the usual variant spellings of Arabic letters meet:
//!
//! - compatibility forms folded (NFKC: Arabic presentation forms become letters, full-width
//!   Latin becomes ASCII), then lower case;
//! - Arabic diacritics (tashkeel, Quranic annotation marks, superscript alef) and tatweel
//!   removed;
//! - alef with hamza above or below, alef with madda and alef wasla → bare alef (ا);
//! - alef maqsura (ى) → yaa (ي); taa marbuta (ة) → haa (ه);
//! - Arabic-Indic and Eastern Arabic-Indic digits → ASCII digits.
//!
//! Architecture invariant: pure functions, no I/O; never panics on input (property-tested).

use unicode_normalization::UnicodeNormalization;

/// Whether a character is an Arabic mark that search ignores: harakat and tanween
/// (U+064B–U+065F), superscript alef (U+0670), Quranic annotation signs (U+06D6–U+06ED) and
/// tatweel (U+0640).
fn is_ignored_mark(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{0640}')
}

/// The letter a variant folds into, if it is one.
fn fold_letter(c: char) -> char {
    match c {
        // alef with madda, hamza above, hamza below; alef wasla
        '\u{0622}' | '\u{0623}' | '\u{0625}' | '\u{0671}' => '\u{0627}',
        // alef maqsura → yaa
        '\u{0649}' => '\u{064A}',
        // taa marbuta → haa
        '\u{0629}' => '\u{0647}',
        // Arabic-Indic and Eastern Arabic-Indic digits
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        other => other,
    }
}

/// The normalized form of a text, for indexing and for queries alike.
pub fn normalize(text: &str) -> String {
    // Most indexed text is plain ASCII, for which all of the below is lower case alone.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.nfkc() {
        if is_ignored_mark(c) {
            continue;
        }
        for lower in fold_letter(c).to_lowercase() {
            out.push(lower);
        }
    }
    out
}

/// The words of a normalized text: maximal runs of letters and digits (any script). Marks
/// inside words were removed by [`normalize`]; everything else separates words.
pub fn words(normalized: &str) -> impl Iterator<Item = &str> {
    normalized
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (written, normalized)
    #[test]
    fn normalization_table() {
        let table = [
            // diacritics removed
            ("مُحَمَّدٌ", "محمد"),
            ("اِخْتِرَاق", "اختراق"),
            // tatweel
            ("هـــجوم", "هجوم"),
            // alef forms
            ("أمن", "امن"),
            ("إرهاب", "ارهاب"),
            ("آمن", "امن"),
            ("ٱلله", "الله"),
            // alef maqsura and taa marbuta
            ("مستشفى", "مستشفي"),
            ("شبكة", "شبكه"),
            // presentation forms (NFKC)
            ("\u{FEE3}\u{FEE8}", "من"),
            // digits
            ("١٩٢٫١٦٨", "192٫168"),
            ("۱۲۳", "123"),
            // Latin: lower case, full-width folded
            ("Ransomware ＡＰＴ", "ransomware apt"),
            // mixed text keeps its values
            (
                "هجوم على 198.51.100.7 من evil.example",
                "هجوم علي 198.51.100.7 من evil.example",
            ),
        ];
        for (written, expected) in table {
            assert_eq!(normalize(written), expected, "{written}");
        }
    }

    #[test]
    fn the_query_meets_the_text() {
        // A query without diacritics finds the text with them, and the other way round.
        assert_eq!(normalize("الإِرْهَابُ الإلكتروني"), normalize("الارهاب الالكتروني"));
        assert_eq!(normalize("مُنَظَّمَة"), normalize("منظمه"));
    }

    #[test]
    fn words_split_on_anything_but_letters_and_digits() {
        let text = normalize("هجومُ فدية (ransomware) على: 10.0.0.1");
        let got: Vec<&str> = words(&text).collect();
        assert_eq!(
            got,
            ["هجوم", "فديه", "ransomware", "علي", "10", "0", "0", "1"]
        );
    }

    proptest::proptest! {
        #[test]
        fn normalization_is_idempotent_and_total(text in ".{0,200}") {
            let once = normalize(&text);
            proptest::prop_assert_eq!(normalize(&once), once.clone());
            for w in words(&once) {
                proptest::prop_assert!(!w.is_empty());
            }
        }
    }
}
