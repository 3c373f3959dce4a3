//! The schema: `migrations/0001_init.sql` and `0002_fulfilment.sql`, the same files
//! `wrangler d1 migrations apply` runs, bundled so a demo or test database can be given
//! them at first use.

/// The bundled migrations, in order. Every statement is idempotent.
pub const MIGRATIONS: [&str; 2] = [
    include_str!("../../../../migrations/0001_init.sql"),
    include_str!("../../../../migrations/0002_fulfilment.sql"),
];

/// The first migration alone.
#[cfg(test)]
const MIGRATION: &str = MIGRATIONS[0];

/// The tables the schema creates; all of them must be there before the first query.
pub const TABLES: [&str; 9] = [
    "orders",
    "sessions",
    "session_events",
    "payouts",
    "payout_events",
    "merchant_events",
    "rechecks",
    "session_metadata",
    "sweep_checks",
];

/// The statements of a migration file: comment lines dropped, split where a line ends
/// with `;` (the file's own rule: no semicolon inside a statement).
pub fn migration_statements(sql: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let code = line.trim();
        if code.is_empty() || code.starts_with("--") {
            continue;
        }
        if let Some(last) = code.strip_suffix(';') {
            current.push_str(last);
            statements.push(core::mem::take(&mut current));
        } else {
            current.push_str(code);
            current.push('\n');
        }
    }
    if !current.trim().is_empty() {
        statements.push(current);
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_migration_splits_into_its_create_statements() {
        let statements = migration_statements(MIGRATION);
        let tables = statements
            .iter()
            .filter(|s| s.starts_with("CREATE TABLE IF NOT EXISTS"))
            .count();
        let indexes = statements
            .iter()
            .filter(|s| s.starts_with("CREATE INDEX IF NOT EXISTS"))
            .count();
        assert_eq!((tables, indexes), (5, 3), "{statements:#?}");
        assert_eq!(statements.len(), tables + indexes);
        for statement in &statements {
            assert!(
                !statement.contains("--"),
                "a comment was left in: {statement}"
            );
            assert!(
                !statement.contains(';'),
                "two statements were joined: {statement}"
            );
        }
        let all: Vec<String> = MIGRATIONS
            .iter()
            .flat_map(|m| migration_statements(m))
            .collect();
        for table in TABLES {
            let create = format!("CREATE TABLE IF NOT EXISTS {table} (");
            assert!(all.iter().any(|s| s.starts_with(&create)), "{table}");
        }
        assert!(
            all.iter().all(|s| s.starts_with("CREATE ")),
            "only idempotent CREATE … IF NOT EXISTS statements"
        );
    }

    #[test]
    fn a_statement_without_a_final_semicolon_is_kept() {
        assert_eq!(
            migration_statements("-- note\nCREATE TABLE a (x);\n\nCREATE TABLE b (\n  y\n)"),
            vec![
                "CREATE TABLE a (x)".to_owned(),
                "CREATE TABLE b (\ny\n)\n".to_owned()
            ]
        );
    }
}
