//! Authentication methods a server may ask for, as the wire protocol names them
//! (`AuthenticationRequest` codes) and as libpq's `require_auth` spells them, and
//! what pgready cannot answer.

/// One method a server may ask for (`None`: it asks for nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Cleartext password.
    Password,
    /// MD5 password.
    Md5,
    /// GSSAPI.
    Gss,
    /// SSPI.
    Sspi,
    /// SCRAM-SHA-256 (SASL).
    Scram,
    /// OAuth bearer (SASL, PostgreSQL 18).
    Oauth,
    /// No authentication at all.
    None,
}

impl Method {
    /// The name as written in `require_auth` and pg_hba.conf.
    pub fn name(self) -> &'static str {
        match self {
            Method::Password => "password",
            Method::Md5 => "md5",
            Method::Gss => "gss",
            Method::Sspi => "sspi",
            Method::Scram => "scram-sha-256",
            Method::Oauth => "oauth",
            Method::None => "none",
        }
    }

    /// The method an `AuthenticationRequest` code starts (SASL's is decided by its
    /// mechanism list: [`Method::of_sasl`]); `None` for a code that continues one.
    pub fn of_request(code: u32) -> Option<Method> {
        Some(match code {
            0 => Method::None,
            3 => Method::Password,
            5 => Method::Md5,
            7 => Method::Gss,
            9 => Method::Sspi,
            10 => Method::Scram,
            _ => return None,
        })
    }

    /// The SASL method a client that speaks SCRAM takes from the server's
    /// mechanism list (the NUL-separated names of `AuthenticationSASL`).
    pub fn of_sasl(mechanisms: &[u8]) -> Method {
        let mut names = mechanisms.split(|b| *b == 0).filter(|n| !n.is_empty());
        let scram = names.clone().any(|n| n.starts_with(b"SCRAM-SHA-256"));
        if !scram && names.any(|n| n == b"OAUTHBEARER") {
            return Method::Oauth;
        }
        Method::Scram
    }
}

/// The server asked for OAuth (`oauth` in pg_hba.conf, PostgreSQL 18), which
/// pgready cannot answer: it ends the attempt before the client answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OauthRequested;

impl std::fmt::Display for OauthRequested {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the server asks for OAuth (SASL OAUTHBEARER)")
    }
}

impl std::error::Error for OauthRequested {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sasl_is_scram_when_offered_and_oauth_only_alone() {
        assert_eq!(Method::of_sasl(b"SCRAM-SHA-256\0\0"), Method::Scram);
        assert_eq!(
            Method::of_sasl(b"SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0"),
            Method::Scram
        );
        assert_eq!(Method::of_sasl(b"OAUTHBEARER\0\0"), Method::Oauth);
        assert_eq!(
            Method::of_sasl(b"OAUTHBEARER\0SCRAM-SHA-256\0\0"),
            Method::Scram
        );
        assert_eq!(Method::of_sasl(b"SOMETHING-NEW\0\0"), Method::Scram);
    }
}
