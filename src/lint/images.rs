//! What a container is, by its image (and, failing that, its ports): a PostgreSQL
//! server, a pooler, or pgready itself; and where the official image keeps its data.

/// The role of a service or container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A PostgreSQL server.
    Database,
    /// A connection pooler (PgBouncer and peers).
    Pooler,
    /// pgready.
    Gate,
    /// Anything else.
    Other,
}

/// The last part of PostgreSQL servers' image names (`postgres`, `postgis/postgis`,
/// `bitnami/postgresql`, `supabase/postgres`, `cloudnative-pg/postgresql`, …).
const DATABASES: [&str; 8] = [
    "postgres",
    "postgresql",
    "postgis",
    "pgvector",
    "timescaledb",
    "timescaledb-ha",
    "paradedb",
    "crunchy-postgres",
];

const POOLERS: [&str; 5] = ["pgbouncer", "pgcat", "supavisor", "odyssey", "pgpool"];

/// The image's name without registry and tag: `docker.io/library/postgres:18` →
/// `postgres`, `ghcr.io/x/pgbouncer:1` → `x/pgbouncer`.
fn repository(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let no_tag = match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
        _ => no_digest,
    };
    let mut parts = no_tag.splitn(2, '/');
    let first = parts.next().unwrap_or_default();
    match parts.next() {
        Some(rest) if first.contains('.') || first.contains(':') || first == "localhost" => rest,
        _ => no_tag,
    }
    .trim_start_matches("library/")
}

/// What an image is.
pub fn kind_of(image: &str, command: &[String]) -> Kind {
    let repo = repository(image).to_ascii_lowercase();
    let last = repo.rsplit('/').next().unwrap_or_default();
    if last == "pgready" || command.iter().any(|w| w.ends_with("pgready")) {
        Kind::Gate
    } else if POOLERS.iter().any(|p| last.contains(p)) {
        Kind::Pooler
    } else if DATABASES.contains(&last) {
        Kind::Database
    } else {
        Kind::Other
    }
}

/// The major of an official `postgres`/`postgis` image from its tag (`18-alpine`,
/// `16.4`, `17-3.5` for PostGIS); `None` for `latest` or no tag.
pub fn official_major(image: &str) -> Option<u32> {
    let repo = repository(image);
    if !(repo == "postgres" || repo == "postgis/postgis") {
        return None;
    }
    let tag = image.split('@').next()?.rsplit_once(':')?.1;
    tag.split(['.', '-']).next()?.parse().ok()
}

/// Where the official image keeps its data, and the mount that keeps it: 18 and
/// later `PGDATA=/var/lib/postgresql/18/docker` under `VOLUME /var/lib/postgresql`;
/// before, both `/var/lib/postgresql/data`.
pub fn data_mount(major: u32) -> &'static str {
    if major >= 18 {
        "/var/lib/postgresql"
    } else {
        "/var/lib/postgresql/data"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images() {
        for db in [
            "postgres:16",
            "docker.io/library/postgres:18-alpine",
            "postgis/postgis:17-3.5",
            "pgvector/pgvector:pg17",
            "bitnami/postgresql:16",
            "timescale/timescaledb:latest-pg16",
            "ghcr.io/cloudnative-pg/postgresql:17",
            "localhost:5000/postgres",
        ] {
            assert_eq!(kind_of(db, &[]), Kind::Database, "{db}");
        }
        for pooler in [
            "edoburu/pgbouncer:latest",
            "bitnami/pgbouncer",
            "ghcr.io/postgresml/pgcat",
        ] {
            assert_eq!(kind_of(pooler, &[]), Kind::Pooler, "{pooler}");
        }
        assert_eq!(kind_of("ghcr.io/acme/pgready:0.1", &[]), Kind::Gate);
        assert_eq!(kind_of("calcom/cal.com", &[]), Kind::Other);
        assert_eq!(kind_of("node:22", &[]), Kind::Other);
    }

    #[test]
    fn majors() {
        assert_eq!(official_major("postgres:18-alpine"), Some(18));
        assert_eq!(official_major("postgres:16.4"), Some(16));
        assert_eq!(official_major("postgis/postgis:17-3.5"), Some(17));
        assert_eq!(official_major("postgres"), None);
        assert_eq!(official_major("postgres:latest"), None);
        assert_eq!(official_major("bitnami/postgresql:16"), None);
    }
}
