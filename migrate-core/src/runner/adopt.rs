//! Adopting another tool's history: on the first run of migrations imported from diesel, sqlx or
//! refinery, the applied ones that tool recorded are recorded as applied here (its table is left as
//! it is), so nothing runs twice.

use tokio_postgres::Client;
use tokio_postgres::types::Type;

use super::apply::{log_change, record_applied};
use super::error::RunError;
use super::history::HistoryTables;
use super::{Migrator, actor};

/// How to list what each of [`FOREIGN_HISTORY_TABLES`](super::FOREIGN_HISTORY_TABLES) applied.
const FOREIGN_HISTORIES: [(&str, &str); 3] = [
    (super::FOREIGN_HISTORY_TABLES[0], "SELECT version::text FROM {t}"),
    (super::FOREIGN_HISTORY_TABLES[1], "SELECT version::text FROM {t} WHERE success"),
    (super::FOREIGN_HISTORY_TABLES[2], "SELECT version::text FROM {t}"),
];

/// An identifier as the other tool stores it: diesel drops the dashes of `2024-01-01-120000`, refinery
/// and sqlx keep the number (`V001` is 1).
fn foreign_key(id: &str) -> String {
    let digits: String = id.trim_start_matches(['V', 'v']).chars().filter(|c| *c != '-').collect();
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() && !digits.is_empty() { "0".into() } else { trimmed.to_string() }
}

/// On the first run (an empty history) of migrations imported from another tool: reads that tool's
/// history table in place (left untouched) and records the migrations it applied as applied here, so
/// nothing is applied twice. Returns what it did, for the report.
pub(super) async fn adopt_foreign_history(
    m: &Migrator,
    client: &Client,
    tables: &HistoryTables,
) -> Result<Vec<String>, RunError> {
    let baseline = m.migrations.iter().find(|c| !c.squashes.is_empty());
    if !m.migrations.iter().any(|c| c.original.is_some()) && baseline.is_none() {
        return Ok(vec![]);
    }
    let mut notes = Vec::new();
    for (table, query) in FOREIGN_HISTORIES {
        let found: Option<String> = client
            .query_typed_one(
                "SELECT to_regclass(format('%s.%I', $1::text, $2::text))::text",
                &[(&tables.schema, Type::TEXT), (&table, Type::TEXT)],
            )
            .await
            .map_err(|e| RunError::db(format!("looking for {table}"), &e))?
            .get(0);
        let Some(qualified) = found else { continue };
        let sql = query.replace("{t}", &qualified);
        let applied: Vec<String> = client
            .query_typed(&sql, &[])
            .await
            .map_err(|e| RunError::db(format!("reading {qualified}"), &e))?
            .iter()
            .map(|r| foreign_key(r.get::<_, &str>(0)))
            .collect();
        if let Some(b) = baseline
            && !applied.is_empty()
        {
            // The imported migrations the other tool applied may be squashed into the baseline; the
            // code that knew them one by one can adopt them, this code cannot.
            return Err(RunError::Inconsistent(format!(
                "this database's migrations were applied by another tool ({qualified}, {} applied), and the code has the baseline {} written by `squash`, which cannot be matched with them: run `up` once with the code from before the squash (its commit in git), which records them from {qualified}, then `up` with this code",
                applied.len(),
                b.id()
            )));
        }
        let who = actor(client).await;
        let mut recorded = 0;
        // One walk of the model for all of them (in version order), not one per migration.
        let mut walk = super::Walk::new(m);
        for c in &m.migrations {
            let Some(original) = &c.original else { continue };
            if applied.contains(&foreign_key(original)) {
                let plans = walk.plans(c.version).unwrap_or_else(|| m.steps(c))?;
                record_applied(client, tables, c, plans, 1, &who).await?;
                recorded += 1;
            }
        }
        let unknown = applied
            .iter()
            .filter(|v| !m.migrations.iter().any(|c| c.original.as_deref().map(foreign_key).as_ref() == Some(*v)))
            .count();
        let detail = format!(
            "recorded {recorded} migration(s) as applied from {qualified} (left untouched){}",
            if unknown > 0 { format!("; {unknown} of its entries match no imported migration") } else { String::new() }
        );
        log_change(client, tables, None, "adopt", &who, &detail).await;
        notes.push(detail);
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::foreign_key;

    #[test]
    fn identifiers_match_the_way_each_tool_stores_them() {
        // diesel: the folder's prefix without dashes.
        assert_eq!(foreign_key("2024-01-02-030405"), "20240102030405");
        assert_eq!(foreign_key("2026-05-27-120000-0000"), "202605271200000000");
        assert_ne!(foreign_key("2026-05-27-120000-0000"), foreign_key("2026-05-27-120000"));
        // refinery: `V001` is stored as 1; sqlx: the number itself.
        assert_eq!(foreign_key("V001"), foreign_key("1"));
        assert_eq!(foreign_key("20240101120000"), "20240101120000");
        assert_eq!(foreign_key("0"), "0");
    }
}
