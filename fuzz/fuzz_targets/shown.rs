//! What both fuzz targets call "a password shown".

/// Whether a password can be told from the mask: one made of the mask's own `*`s
/// cannot, and one under 3 characters is not masked by design.
pub fn checkable(value: &str) -> bool {
    value.chars().count() >= 3 && !value.contains("**")
}

/// Whether `text` shows `secret` as the scrubber's contract forbids: anywhere, or,
/// for a letters-only secret, as a whole word (`lim` may stand inside `limited`).
pub fn as_token(text: &str, secret: &str) -> bool {
    if !secret.chars().all(|c| c.is_ascii_alphabetic()) {
        return text.contains(secret);
    }
    text.split(|c: char| !c.is_alphanumeric() && c != '_')
        .any(|word| word == secret)
}
