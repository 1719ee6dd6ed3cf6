//! The official image's data volume, where its major keeps the data.

use super::subject;
use crate::deploy::compose::Service;
use crate::finding::Status;
use crate::lint::images;
use crate::lint::Item;

/// The official image keeps its data where its major says; a mount elsewhere does
/// not keep it (18+ refuses to start with one at the old place).
pub(super) fn data_volume(db: &Service) -> Vec<Item> {
    let Some(major) = db.image.as_deref().and_then(images::official_major) else {
        return Vec::new();
    };
    if db.env("PGDATA").is_some() {
        return Vec::new();
    }
    let keeps = images::data_mount(major);
    let mut items = Vec::new();
    for (target, at) in &db.mounts {
        if !target.starts_with("/var/lib/postgresql") || target == keeps {
            continue;
        }
        let (status, what) = if major >= 18 && target == "/var/lib/postgresql/data" {
            (Status::Fail, "PostgreSQL 18+ images keep their data in /var/lib/postgresql/18/docker and refuse to start with a mount at /var/lib/postgresql/data")
        } else {
            (
                Status::Warn,
                "the data is not kept in this mount (the image's own anonymous volume holds it)",
            )
        };
        items.push(Item::new("data_volume", status, at, &subject(db)).says(
            format!(
                "service `{}` (PostgreSQL {major}) mounts a volume at {target}: {what}",
                db.name
            ),
            format!("mount the volume at {keeps}"),
        ));
    }
    items
}
