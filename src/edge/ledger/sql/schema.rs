//! The schema: `migrations/0001_init.sql` and `0002_fulfilment.sql`, the same files
//! `wrangler d1 migrations apply` runs, bundled so a demo or test database can be given
//! them at first use. The bundle holds their statements only, split by `build.rs` (no
//! comments, one space between words): the tests below check them against the files.

include!(concat!(env!("OUT_DIR"), "/schema.rs"));

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

#[cfg(test)]
mod tests {
    use super::*;

    /// The migration files as `wrangler d1 migrations apply` reads them.
    const FILES: [&str; 2] = [
        include_str!("../../../../migrations/0001_init.sql"),
        include_str!("../../../../migrations/0002_fulfilment.sql"),
    ];

    /// A file's statements read another way than `build.rs` does: every `--` comment cut
    /// to the end of its line, the rest split at each `;`, whitespace runs made one space.
    fn statements_of(sql: &str) -> Vec<String> {
        let code: String = sql
            .lines()
            .map(|line| line.split("--").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        code.split(';')
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|s| !s.is_empty())
            .collect()
    }

    #[test]
    fn the_bundled_statements_are_the_migration_files_without_their_comments() {
        let files: Vec<String> = FILES.iter().flat_map(|f| statements_of(f)).collect();
        assert_eq!(STATEMENTS, files);
        // Neither reader kept a comment or joined two statements.
        for statement in STATEMENTS {
            assert!(!statement.contains("--"), "{statement}");
            assert!(!statement.contains(';'), "{statement}");
            assert!(
                !statement.contains("  ") && !statement.contains('\n'),
                "{statement}"
            );
        }
    }

    #[test]
    fn the_bundled_schema_creates_every_table_and_nothing_else() {
        let first = statements_of(FILES[0]);
        let tables = first
            .iter()
            .filter(|s| s.starts_with("CREATE TABLE IF NOT EXISTS"))
            .count();
        let indexes = first
            .iter()
            .filter(|s| s.starts_with("CREATE INDEX IF NOT EXISTS"))
            .count();
        assert_eq!((tables, indexes, first.len()), (5, 3, 8), "{first:#?}");
        for table in TABLES {
            let create = format!("CREATE TABLE IF NOT EXISTS {table} (");
            assert!(STATEMENTS.iter().any(|s| s.starts_with(&create)), "{table}");
        }
        assert!(
            STATEMENTS.iter().all(|s| s.starts_with("CREATE ")),
            "only idempotent CREATE … IF NOT EXISTS statements"
        );
    }
}
