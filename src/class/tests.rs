//! The contract table, held to its own rules.

use super::*;

#[test]
fn names_round_trip_and_codes_are_unique() {
    let mut codes = std::collections::HashSet::new();
    for class in Class::ALL {
        assert_eq!(class.name().parse::<Class>().unwrap(), class);
        assert!(codes.insert(class.exit_code()), "duplicate code {class}");
        assert!(class.exit_code() != 101, "101 is reserved for panics");
    }
}

/// The README's contract table and this enum must say the same thing.
#[test]
fn readme_table_matches_the_enum() {
    let readme = include_str!("../../README.md");
    for class in Class::ALL {
        let exit = match class {
            Class::Interrupted => "130 / 143".to_string(),
            _ => class.exit_code().to_string(),
        };
        let prisma = class.prisma_code().unwrap_or("–");
        let retried = match (class, class.default_retry()) {
            (Class::Ready | Class::Interrupted, _) => "–",
            (_, Some(_)) => "yes",
            (_, None) => "no",
        };
        let row = format!("| `{}` | {exit} | {prisma} | {retried} |", class.name());
        assert!(readme.contains(&row), "README lacks the row: {row}");
    }
}
