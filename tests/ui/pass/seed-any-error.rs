use migrate_core::prelude::*;

// Any error that converts into a boxed error works: here a String.
#[seed(env = ["dev", "test"])]
pub async fn users(tx: &Transaction<'_>) -> Result<(), String> {
    tx.execute("SELECT 1", &[]).await.map_err(|e| e.to_string())?;
    Ok(())
}

#[seed]
pub async fn everywhere(_tx: &Transaction<'_>) -> Result<(), migrate_core::tokio_postgres::Error> {
    Ok(())
}

fn main() {
    let all = migrate_core::seed::seeds().unwrap();
    let names: Vec<&str> = all.iter().map(|s| s.name).collect();
    assert_eq!(names, ["everywhere", "users"]);
    assert!(all[1].runs_in("test") && !all[1].runs_in("prod") && all[0].runs_in("prod"));
}
