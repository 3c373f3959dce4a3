//! Bundles the SQLite schema for the edge's auto-migration (`GUICHET_LEDGER_AUTO_MIGRATE`):
//! `migrations/0001_init.sql` and `0002_fulfilment.sql` stay the documented source that
//! `wrangler d1 migrations apply` runs; the wasm carries only their statements, split
//! here with the files' own rule (a statement ends with `;` at the end of a line and
//! holds none inside), comments dropped and runs of whitespace made one space: the
//! comments were a third of the text in the bundle's data (issue #18 round 7).
//! `src/edge/ledger/sql/schema.rs` tests that the statements are the files' own.

use std::path::PathBuf;

const FILES: [&str; 2] = ["migrations/0001_init.sql", "migrations/0002_fulfilment.sql"];

/// A migration's statements, without comments, each on one line.
fn statements(sql: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let code = line.trim();
        if code.is_empty() || code.starts_with("--") {
            continue;
        }
        // A comment after code would swallow the rest of the joined statement: refused.
        assert!(
            !code.contains("--"),
            "a migration comment must have its own line: {line}"
        );
        let (code, last) = match code.strip_suffix(';') {
            Some(code) => (code, true),
            None => (code, false),
        };
        for word in code.split_whitespace() {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        if last {
            statements.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        statements.push(current);
    }
    statements
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = String::from("/// The bundled schema's statements, in order (build.rs).\n");
    out.push_str("pub const STATEMENTS: &[&str] = &[\n");
    for file in FILES {
        println!("cargo:rerun-if-changed={file}");
        let sql = std::fs::read_to_string(file)?;
        for statement in statements(&sql) {
            out.push_str(&format!("    {statement:?},\n"));
        }
    }
    out.push_str("];\n");
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("no OUT_DIR")?);
    std::fs::write(dir.join("schema.rs"), out)?;
    Ok(())
}
