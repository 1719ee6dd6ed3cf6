//! Sqitch: the registry schema `sqitch`, whose `changes(change_id, script_hash,
//! change, project, committed_at, …)` holds one row per deployed change (a
//! reworked change gets a second row under the same name). `sqitch.plan` lists
//! the changes in order; `deploy` deploys every change after the last deployed
//! one, so a change the plan has before it and the registry lacks is never
//! deployed, and it stops with "Cannot find change … in sqitch.plan" when the
//! last deployed change is not in the plan. A failed change is reverted (a
//! `fail` event, no `changes` row). A run holds `pg_advisory_lock(75474063)`.
//! DIR is the project directory (its `sqitch.plan`). Script hashes are not
//! compared (`sqitch check` does that).
//! Checked against Debian's sqitch 1.3.1 (scripts/migration-tools).

use std::path::Path;

use super::{files, Local, Record, Status, Tool};
use crate::vocab::names::TableName;

/// Sqitch's advisory lock key (App::Sqitch::Engine::pg `try_lock`).
const LOCK_ID: i64 = 75_474_063;

/// Sqitch (`sqitch deploy`).
pub struct Sqitch;

impl Tool for Sqitch {
    fn name(&self) -> &'static str {
        "sqitch"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::in_schema("sqitch", "changes")
    }

    fn history_sql(&self, table: &str) -> String {
        format!("SELECT change, NULL, false, committed_at::text, NULL FROM {table} ORDER BY committed_at")
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let plan_file = dir.join("sqitch.plan");
        let plan = files::read_text(&plan_file)?;
        let mut local: Vec<Local> = Vec::new();
        for line in plan.lines().map(str::trim) {
            let Some(name) = line.split_whitespace().next() else {
                continue;
            };
            if name.starts_with(['%', '@', '#']) {
                continue;
            }
            // A reworked change is listed again: it is one change, at its newest place.
            local.retain(|l| l.name != name);
            local.push(Local {
                key: name.to_string(),
                name: name.to_string(),
                file: plan_file.clone(),
                ..Local::default()
            });
        }
        Ok(local)
    }

    fn compare(&self, records: &[Record], local: Option<&[Local]>) -> Status {
        let mut status = super::compare(records, local);
        let Some(plan) = local else { return status };
        let Some(last) = records.last() else {
            return status;
        };
        let Some(at) = plan.iter().position(|l| l.key == last.key) else {
            return status;
        };
        for l in plan[..at]
            .iter()
            .filter(|l| status.pending.contains(&l.name))
        {
            status.stranded.push(format!(
                "`sqitch deploy` never deploys {}: it deploys only the changes after the last deployed one, {}",
                l.name, last.key
            ));
        }
        status
    }

    /// The last deployed change missing from the plan: "Cannot find change … in sqitch.plan".
    fn deploy_refuses_unknown(&self) -> bool {
        true
    }

    fn lock_sql(&self, _table: &TableName) -> Option<String> {
        Some(super::advisory_lock_sql(LOCK_ID))
    }

    fn unlock_command(&self) -> &'static str {
        "nothing to unlock: the advisory lock ends with the deploying session (\"Blocked by another instance of Sqitch\")"
    }

    fn deploy_command(&self) -> &'static str {
        "sqitch deploy"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "Sqitch reverts a failed change and records it as an event, not as deployed".into()
    }
}
