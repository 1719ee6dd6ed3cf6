//! Secrets that must never reach an output.
//!
//! [`Password`] formats as `****` in `Debug` and `Display`; only [`Password::expose`],
//! called where the value is handed to the connection, sees the raw text. Every
//! password is also registered in a process-wide list so [`scrub`] can remove it (raw
//! and percent-encoded) from any text that came from elsewhere, such as a parse error
//! quoting its input or a server message: defence in depth for every output path.

use std::fmt;
use std::sync::{Mutex, OnceLock};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The characters a careful user percent-encodes in a URL's userinfo: everything but
/// RFC 3986's unreserved set.
const USERINFO_RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What a redacted secret looks like in every output.
pub const MASK: &str = "****";

/// A password: printable only as [`MASK`].
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps `raw` and registers it (and its encodings) for [`scrub`].
    pub fn new(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        register(&raw);
        Password(raw)
    }

    /// The raw value, for the connection only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the password is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

fn registry() -> &'static Mutex<Vec<String>> {
    static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Registers a secret text (and its percent-encoded forms) for [`scrub`].
///
/// Very short secrets are not registered: masking every `a` in every message would
/// make the output unreadable while hiding nothing a reader could not guess.
pub fn register(raw: &str) {
    if raw.chars().count() < 3 {
        return;
    }
    let forms = forms(raw);
    if let Ok(mut list) = registry().lock() {
        for form in forms {
            if !list.contains(&form) {
                list.push(form);
            }
        }
        // Longest first, so a secret that contains another is masked whole.
        list.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// A secret as it may appear: raw, and percent-encoded as careful and as eager
/// encoders write it (upper- and lower-case escapes).
fn forms(raw: &str) -> Vec<String> {
    let mut forms = vec![raw.to_string()];
    for set in [NON_ALPHANUMERIC, USERINFO_RESERVED] {
        let encoded = utf8_percent_encode(raw, set).to_string();
        forms.push(lowercase_escapes(&encoded));
        forms.push(encoded);
    }
    forms
}

/// `%2F` → `%2f`: the same text as some encoders write it.
fn lowercase_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Takes a secret (and its encodings) off the [`scrub`] list: a password that
/// equals the user or database name is printed as that name anyway, and masking
/// it would mask the name everywhere (`password authentication failed for user
/// "****"`). The lint says such a password can be guessed.
pub fn declassify(raw: &str) {
    let forms = forms(raw);
    if let Ok(mut list) = registry().lock() {
        list.retain(|s| !forms.contains(s));
    }
}

/// Replaces every registered secret in `text` by [`MASK`]. A secret made of
/// letters only (`postgres`, `calcom`, `lim`: a word that also occurs in names) is
/// masked where it stands as a whole word, so a password `lim` leaves the role
/// `limited` alone and `postgres` leaves `postgresql://` alone; any other secret
/// (digits, symbols: what a real password has) is masked wherever it occurs, even
/// run into other text.
pub fn scrub(text: &str) -> String {
    let Ok(list) = registry().lock() else {
        return text.to_string();
    };
    let mut out = text.to_string();
    for secret in list.iter() {
        if !out.contains(secret.as_str()) {
            continue;
        }
        out = if is_plain_word(secret) {
            mask_tokens(&out, secret)
        } else {
            out.replace(secret.as_str(), MASK)
        };
    }
    out
}

/// Letters only: a secret that may also be part of a name.
fn is_plain_word(secret: &str) -> bool {
    secret.chars().all(|c| c.is_ascii_alphabetic())
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `text` with each occurrence of the word `secret` masked that no letter, digit
/// or `_` adjoins.
fn mask_tokens(text: &str, secret: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find(secret) {
        let start = from + found;
        let end = start + secret.len();
        let before = text[..start].chars().next_back().is_some_and(is_word);
        let after = text[end..].chars().next().is_some_and(is_word);
        if before || after {
            from = start + secret.chars().next().map_or(1, char::len_utf8);
            continue;
        }
        out.push_str(&text[rest..start]);
        out.push_str(MASK);
        rest = end;
        from = end;
    }
    out.push_str(&text[rest..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_never_formats_its_value() {
        let p = Password::new("hunter2-secret");
        assert_eq!(format!("{p}"), MASK);
        assert_eq!(format!("{p:?}"), MASK);
        assert_eq!(p.expose(), "hunter2-secret");
    }

    #[test]
    fn scrub_masks_whole_tokens_only() {
        Password::new("lim");
        assert_eq!(
            scrub("role limited, lim, \"lim\", lim_x, postgresql"),
            "role limited, ****, \"****\", lim_x, postgresql"
        );
        // A real password is masked even run into other text.
        Password::new("Kq9-token");
        assert_eq!(scrub("Kq9-token. xKq9-tokenx"), "****. x****x");
    }

    #[test]
    fn a_declassified_password_is_left_alone() {
        Password::new("calcom-dev");
        declassify("calcom-dev");
        assert_eq!(scrub("user \"calcom-dev\""), "user \"calcom-dev\"");
    }

    #[test]
    fn scrub_masks_raw_and_encoded_forms() {
        Password::new("P@ss#w/rd-xyz");
        let text = "a P@ss#w/rd-xyz b P%40ss%23w%2Frd%2Dxyz c P%40ss%23w%2frd-xyz";
        assert_eq!(scrub(text), "a **** b **** c ****");
    }
}
