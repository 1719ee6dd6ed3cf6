//! The names gates and migration readers share: a server version, a schema
//! privilege, a table name. Parsed from flags, compared with what servers report.

use std::fmt;
use std::str::FromStr;

use clap::ValueEnum;

/// A PostgreSQL version as `major.minor` (`13`, `9.6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// Major version (for 9.6, 9).
    pub major: u32,
    /// Minor part (for 9.6, 6; for 15.4, 4).
    pub minor: u32,
}

impl Version {
    /// The leading `major[.minor]` of a `server_version` such as
    /// `15.18 (Debian 15.18-0+deb12u1)` or `17beta1`.
    pub fn from_server(text: &str) -> Option<Version> {
        let digits: String = text
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        digits.trim_end_matches('.').parse().ok()
    }
}

impl FromStr for Version {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.trim().splitn(3, '.');
        let number = |p: Option<&str>| p.map(|p| p.parse::<u32>()).transpose();
        let bad = || format!("`{s}` is not a PostgreSQL version (e.g. 13 or 9.6)");
        let major = number(parts.next()).map_err(|_| bad())?.ok_or_else(bad)?;
        let minor = number(parts.next()).map_err(|_| bad())?.unwrap_or(0);
        Ok(Version { major, minor })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // What was asked, as asked: `15.19` stays `15.19`, `13` stays `13`.
        if self.major < 10 || self.minor != 0 {
            write!(f, "{}.{}", self.major, self.minor)
        } else {
            write!(f, "{}", self.major)
        }
    }
}

/// The privilege `--require-schema-privilege` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaPrivilege {
    /// USAGE: the app can see its tables.
    Usage,
    /// USAGE and CREATE: migrations can create tables (the PostgreSQL 15 trap).
    Create,
}

/// `schema.name`; a bare name is in the app's schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableName {
    /// Schema, if given.
    pub schema: Option<String>,
    /// Table name.
    pub name: String,
}

impl TableName {
    /// A table found through the session's `search_path`.
    pub fn bare(name: &str) -> TableName {
        TableName {
            schema: None,
            name: name.to_string(),
        }
    }

    /// A table in `schema`.
    pub fn in_schema(schema: &str, name: &str) -> TableName {
        TableName {
            schema: Some(schema.to_string()),
            name: name.to_string(),
        }
    }
}

/// `schema.name`, or `name` alone.
impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl FromStr for TableName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (schema, name) = match s.split_once('.') {
            Some((schema, name)) => (Some(schema.to_string()), name.to_string()),
            None => (None, s.to_string()),
        };
        if name.is_empty() || schema.as_deref() == Some("") {
            return Err(format!("`{s}` is not a table name (SCHEMA.NAME or NAME)"));
        }
        Ok(TableName { schema, name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            Version::from_server("15.18 (Debian 15.18-0+deb12u1)"),
            Some(Version {
                major: 15,
                minor: 18
            })
        );
        assert_eq!(
            Version::from_server("17beta1"),
            Some(Version {
                major: 17,
                minor: 0
            })
        );
        assert_eq!(
            Version::from_server("9.6.24"),
            Some(Version { major: 9, minor: 6 })
        );
        assert!(
            Version {
                major: 12,
                minor: 9
            } < "13".parse().unwrap()
        );
        assert!(
            Version {
                major: 13,
                minor: 0
            } >= "13".parse().unwrap()
        );
        assert!("x".parse::<Version>().is_err());
        assert_eq!("9.6".parse::<Version>().unwrap().to_string(), "9.6");
        assert_eq!("15.19".parse::<Version>().unwrap().to_string(), "15.19");
        assert_eq!("13".parse::<Version>().unwrap().to_string(), "13");
    }

    #[test]
    fn table_names() {
        assert_eq!(
            "public.users".parse::<TableName>().unwrap(),
            TableName {
                schema: Some("public".into()),
                name: "users".into()
            }
        );
        assert_eq!("users".parse::<TableName>().unwrap().schema, None);
        assert!(".users".parse::<TableName>().is_err());
    }
}
