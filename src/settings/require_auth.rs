//! libpq's `require_auth` (16+): which authentication requests the client
//! accepts from the server. A list of `password`, `md5`, `gss`, `sspi`,
//! `scram-sha-256`, `none` (18: `oauth`), all of them negated with `!` or none.

use super::conninfo::{shown_value, ParseError};

pub use crate::vocab::auth::Method;

/// The method `name` spells in libpq `major`'s `require_auth`.
fn method(name: &str, major: u8) -> Option<Method> {
    Some(match name {
        "password" => Method::Password,
        "md5" => Method::Md5,
        "gss" => Method::Gss,
        "sspi" => Method::Sspi,
        "scram-sha-256" => Method::Scram,
        "oauth" if major >= 18 => Method::Oauth,
        "none" => Method::None,
        _ => return None,
    })
}

/// The parsed requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequireAuth {
    methods: Vec<Method>,
    negated: bool,
    /// The value as written, for messages.
    pub text: String,
}

impl RequireAuth {
    /// Parses `value` as libpq `major` does.
    pub fn parse(value: &str, major: u8) -> Result<RequireAuth, ParseError> {
        let mut methods = Vec::new();
        let mut negated = None;
        for item in value.split(',') {
            let (neg, name) = match item.strip_prefix('!') {
                Some(n) => (true, n),
                None => (false, item),
            };
            let method = method(name, major).ok_or_else(|| {
                ParseError::new(format!("invalid require_auth value {}", shown_value(item)))
                    .hint("use password, md5, gss, sspi, scram-sha-256 or none, all negated with ! or none")
            })?;
            match negated {
                Some(n) if n != neg => {
                    return Err(ParseError::new(format!(
                        "require_auth mixes negative and non-negative methods (`{}`)",
                        method.name()
                    )))
                }
                _ => negated = Some(neg),
            }
            if methods.contains(&method) {
                return Err(ParseError::new(format!(
                    "require_auth method `{}` is specified more than once",
                    method.name()
                )));
            }
            methods.push(method);
        }
        Ok(RequireAuth {
            methods,
            negated: negated.unwrap_or(false),
            text: value.to_string(),
        })
    }

    /// Whether the server may ask for `method` (or, for `None`, skip asking).
    pub fn allows(&self, method: Method) -> bool {
        self.methods.contains(&method) != self.negated
    }
}

/// The refusal carried in the I/O error, for the classifier.
#[derive(Debug)]
pub struct Refused {
    /// What the server asked for.
    pub requested: Method,
    /// The requirement as written.
    pub required: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.requested {
            Method::None => write!(
                f,
                "authentication method requirement \"{}\" failed: server did not complete authentication",
                self.required
            ),
            m => write!(
                f,
                "authentication method requirement \"{}\" failed: server requested {}",
                self.required,
                m.name()
            ),
        }
    }
}

impl std::error::Error for Refused {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_negations() {
        let r = RequireAuth::parse("scram-sha-256,none", 16).unwrap();
        assert!(r.allows(Method::Scram) && r.allows(Method::None) && !r.allows(Method::Md5));
        let r = RequireAuth::parse("!password,!md5", 16).unwrap();
        assert!(r.allows(Method::Scram) && !r.allows(Method::Md5) && r.allows(Method::None));
        assert!(RequireAuth::parse("!md5,scram-sha-256", 16).is_err());
        assert!(RequireAuth::parse("md5,md5", 16).is_err());
        assert!(RequireAuth::parse("kerberos", 16).is_err());
        assert!(RequireAuth::parse("oauth", 17).is_err());
        assert!(RequireAuth::parse("oauth", 18).is_ok());
    }
}
