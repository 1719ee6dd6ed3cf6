//! The migration gate's pure parts.

use super::judge::{first_lines, names};
use super::*;

#[test]
fn lists_and_logs_are_shortened() {
    let list: Vec<String> = (1..=5).map(|i| i.to_string()).collect();
    assert_eq!(names(&list), "1, 2, 3 and 2 more");
    assert_eq!(first_lines("a\n\n b \nc\nd"), "a ⏎ b ⏎ c");
    assert!(severity(Class::MigrationsFailed) < severity(Class::MigrationsPending));
}
