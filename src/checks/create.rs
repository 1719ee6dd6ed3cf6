//! `--create-database`: when the database is missing and the role may create it,
//! create it — once, even with many gates racing: whoever loses the race sees
//! "already exists" and carries on.

use tokio::time::Instant;

use crate::class::Class;
use crate::outcome::{Failure, Stage};
use crate::probe::{Inspect, Prober, Ready};
use crate::settings::spec::ConnSpec;

use crate::vocab::sql::ident;

/// Creates `name` from a session on a maintenance database.
struct CreateDatabase<'a> {
    name: &'a str,
}

impl Inspect for CreateDatabase<'_> {
    async fn inspect(&self, ready: &Ready<'_>) -> Result<Option<String>, Failure> {
        let may = ready
            .rows("SELECT rolcreatedb OR rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user")
            .await
            .ok()
            .and_then(|rows| rows.first().and_then(|r| r.first().cloned().flatten()));
        if may.as_deref() != Some("t") {
            return Err(Failure::new(
                Class::DatabaseMissing,
                Stage::Query,
                format!(
                    "database \"{}\" does not exist and role \"{}\" may not create databases",
                    self.name, ready.spec.user
                ),
            )
            .with_hint(format!(
                "create it as its owner's administrator: CREATE DATABASE {} OWNER {};",
                ident(self.name),
                ident(&ready.spec.user)
            )));
        }
        let sql = format!("CREATE DATABASE {}", ident(self.name));
        match ready.client.simple_query(&sql).await {
            Ok(_) => Ok(Some("created".to_string())),
            Err(e) if crate::classify::lost_the_race(&e) => Ok(Some("exists".to_string())),
            Err(e) => Err(Failure::new(
                Class::DatabaseMissing,
                Stage::Query,
                format!(
                    "creating database \"{}\" failed: {}",
                    self.name,
                    crate::classify::chain(&e)
                ),
            )),
        }
    }
}

/// Creates the target's database through the maintenance database (`postgres`,
/// else `template1`). Returns what was done, for the report.
pub async fn create(
    prober: &Prober,
    spec: &ConnSpec,
    deadline: Instant,
) -> Result<String, Failure> {
    if let Some(typo) = crate::settings::lint::query_in_the_name(&spec.dbname) {
        // The URL's typo, not a database anyone wants.
        return Err(Failure::new(
            Class::InvalidConfig,
            Stage::Config,
            "not creating a database named after the URL's parameters",
        )
        .with_hint(typo));
    }
    let job = CreateDatabase { name: &spec.dbname };
    let mut last = None;
    for maintenance in ["postgres", "template1"] {
        let mut admin = spec.clone();
        admin.dbname = maintenance.to_string();
        let attempt = prober.attempt(&admin, true, deadline, &job).await;
        match attempt.result {
            Ok(facts) => {
                let verb = if facts.identity.as_deref() == Some("created") {
                    "created"
                } else {
                    "found (created concurrently by another gate)"
                };
                return Ok(format!("database \"{}\" {verb}", spec.dbname));
            }
            Err(f) if f.class == Class::DatabaseMissing && f.stage != Stage::Query => {
                last = Some(f)
            }
            Err(f) => return Err(f),
        }
    }
    Err(last.unwrap_or_else(|| {
        Failure::new(
            Class::DatabaseMissing,
            Stage::Auth,
            "no maintenance database to connect to",
        )
    }))
}
