//! The schema: `migrations/0001_init.sql`, the same file `wrangler d1 migrations apply`
//! runs, bundled so a demo or test database can be given it at first use.

/// The bundled migration.
pub const MIGRATION: &str = include_str!("../../../../migrations/0001_init.sql");

/// The tables the schema creates; all of them must be there before the first query.
pub const TABLES: [&str; 5] = [
    "orders",
    "sessions",
    "session_events",
    "payouts",
    "payout_events",
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
        assert_eq!((tables, indexes), (TABLES.len(), 3), "{statements:#?}");
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
        for table in TABLES {
            let create = format!("CREATE TABLE IF NOT EXISTS {table} (");
            assert!(statements.iter().any(|s| s.starts_with(&create)), "{table}");
        }
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
