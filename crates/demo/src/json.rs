//! A tiny ordered JSON writer: properties come out in the order they are written, compactly.
//!
//! `serde_json::Map` sorts its keys unless the workspace turns on `preserve_order`, which would
//! change every other crate's behaviour; writing the text directly keeps the order as authored.

/// A JSON object under construction.
pub(crate) struct Obj(String);

/// A JSON string literal (escaped by serde_json; non-ASCII text is kept as is).
pub(crate) fn quote(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serializes")
}

impl Obj {
    pub(crate) fn new() -> Self {
        Obj(String::from("{"))
    }

    fn key(&mut self, k: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push_str(&quote(k));
        self.0.push(':');
    }

    /// A string property.
    pub(crate) fn s(mut self, k: &str, v: impl AsRef<str>) -> Self {
        self.key(k);
        self.0.push_str(&quote(v.as_ref()));
        self
    }

    /// A string property, when there is one.
    pub(crate) fn opt(self, k: &str, v: Option<impl AsRef<str>>) -> Self {
        match v {
            Some(v) => self.s(k, v),
            None => self,
        }
    }

    pub(crate) fn int(mut self, k: &str, v: i64) -> Self {
        self.key(k);
        self.0.push_str(&v.to_string());
        self
    }

    pub(crate) fn flag(mut self, k: &str, v: bool) -> Self {
        self.key(k);
        self.0.push_str(if v { "true" } else { "false" });
        self
    }

    /// A list of strings.
    pub(crate) fn strs<S: AsRef<str>>(mut self, k: &str, v: &[S]) -> Self {
        self.key(k);
        self.0.push('[');
        for (i, s) in v.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            self.0.push_str(&quote(s.as_ref()));
        }
        self.0.push(']');
        self
    }

    /// A nested object.
    pub(crate) fn obj(mut self, k: &str, v: Obj) -> Self {
        self.key(k);
        self.0.push_str(&v.end());
        self
    }

    /// A list of objects.
    pub(crate) fn objs(mut self, k: &str, v: Vec<Obj>) -> Self {
        self.key(k);
        self.0.push('[');
        for (i, o) in v.into_iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            self.0.push_str(&o.end());
        }
        self.0.push(']');
        self
    }

    pub(crate) fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_escapes() {
        let text = Obj::new()
            .s("z", "a\"b")
            .int("a", 3)
            .flag("m", true)
            .strs("l", &["x", "ي"])
            .obj("o", Obj::new().s("k", "v"))
            .end();
        assert_eq!(
            text,
            r#"{"z":"a\"b","a":3,"m":true,"l":["x","ي"],"o":{"k":"v"}}"#
        );
    }
}
