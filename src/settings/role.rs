//! What a target is for, told by where it came from: the app's runtime URL, the
//! direct URL migrations use, a read replica, the writable primary, or another.
//! Set once where targets are collected; nothing after reads a variable's name.

/// A target's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The app's runtime URL (`DATABASE_URL`), often through a pooler.
    Pooled,
    /// The direct URL migrations use (`…DIRECT…`), which a pooler must not front.
    Direct,
    /// A read URL (`…READ…`): a standby is fine.
    Read,
    /// The write URL (`…WRITE…`): must reach a writable primary.
    Write,
    /// `--url`, another variable, or libpq's `PG*` environment.
    Other,
}

impl Role {
    /// The role a variable's name gives (`--url` and `PG*` are [`Role::Other`]).
    pub fn of_variable(name: &str) -> Role {
        let upper = name.to_ascii_uppercase();
        if upper.contains("DIRECT") {
            Role::Direct
        } else if upper.contains("WRITE") {
            Role::Write
        } else if upper.contains("READ") {
            Role::Read
        } else if upper == "DATABASE_URL" || upper.ends_with("_DATABASE_URL") {
            Role::Pooled
        } else {
            Role::Other
        }
    }

    /// Whether the target must reach a writable primary.
    pub fn requires_writable(self) -> bool {
        self == Role::Write
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn names_give_roles() {
        assert_eq!(Role::of_variable("DATABASE_URL"), Role::Pooled);
        assert_eq!(Role::of_variable("DATABASE_DIRECT_URL"), Role::Direct);
        assert_eq!(Role::of_variable("DATABASE_READ_URL"), Role::Read);
        assert_eq!(Role::of_variable("DATABASE_WRITE_URL"), Role::Write);
        assert_eq!(Role::of_variable("INSIGHTS_DATABASE_URL"), Role::Pooled);
        assert_eq!(Role::of_variable("PG_URL"), Role::Other);
    }
}
