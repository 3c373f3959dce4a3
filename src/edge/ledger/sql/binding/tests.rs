use super::*;
use crate::domain::Provider;

/// `Rows::all` as it was, its loop written for each kind of row.
fn all_before<T>(rows: Rows, read: fn(&mut Row) -> T) -> Result<Vec<T>, LedgerError> {
    let mut out = Vec::with_capacity(rows.values.len());
    let mut invalid = None;
    for value in rows.values {
        let Value::Object(fields) = value else {
            return Err(unexpected(&rows.op));
        };
        let mut row = Row::new(fields);
        let item = read(&mut row);
        if !row.shape() {
            return Err(unexpected(&rows.op));
        }
        invalid = invalid.or(row.invalid);
        out.push(item);
    }
    match invalid {
        Some(why) => Err(LedgerError(why.to_owned())),
        None => Ok(out),
    }
}

#[test]
fn rows_read_through_one_loop_as_they_were_read_before() {
    fn read(row: &mut Row) -> (u64, Option<String>) {
        let n = row.uint("n", 100);
        if n == 13 {
            row.invalid("thirteen");
        }
        if n == 14 {
            row.invalid("fourteen");
        }
        (n, row.text_opt("t"))
    }
    let cells = [
        serde_json::json!({"n": 1}),
        serde_json::json!({"n": 2, "t": "a"}),
        serde_json::json!({"n": 13}),
        serde_json::json!({"n": 14, "t": "b"}),
        serde_json::json!({"t": "no n"}),
        serde_json::json!({"n": 1, "t": 5}),
        serde_json::json!({"n": 101}),
        serde_json::json!([1]),
        serde_json::json!(null),
    ];
    let rows = |values: Vec<Value>| Rows {
        op: "D1 read".to_owned(),
        values,
    };
    let mut cases = vec![vec![]];
    for a in &cells {
        cases.push(vec![a.clone()]);
        for b in &cells {
            for c in &cells {
                cases.push(vec![a.clone(), b.clone(), c.clone()]);
            }
        }
    }
    let (mut ok, mut refused) = (0, 0);
    for values in cases {
        let before = all_before(rows(values.clone()), read);
        assert_eq!(rows(values.clone()).all(read), before, "{values:?}");
        let first = before.clone().map(|all| all.into_iter().next());
        assert_eq!(rows(values.clone()).one(read), first, "{values:?}");
        if before.is_ok() {
            ok += 1;
        } else {
            refused += 1;
        }
    }
    assert!(ok > 10 && refused > 500, "{ok} read, {refused} refused");
}

#[test]
fn d1_errors_keep_schema_names_and_withhold_values() {
    assert_eq!(
        safe_reason("D1_ERROR: UNIQUE constraint failed: sessions.provider, sessions.provider_ref: SQLITE_CONSTRAINT"),
        "UNIQUE constraint failed: sessions.provider, sessions.provider_ref"
    );
    assert_eq!(
        safe_reason("D1_ERROR: no such table: sessions: SQLITE_ERROR"),
        "no such table: sessions"
    );
    assert_eq!(
        safe_reason("D1_ERROR: CHECK constraint failed: typeof(amount) = 'integer'"),
        "CHECK constraint failed"
    );
    let withheld =
        safe_reason("D1_TYPE_ERROR: Type 'object' not supported for value '+2250701020304'");
    assert!(!withheld.contains("2250701020304"), "{withheld}");
}

#[test]
fn busy_locks_network_blips_and_lost_connections_are_tried_again() {
    for (message, code) in [
        ("D1_ERROR: Network connection lost.", None),
        (
            "D1_ERROR: Internal error while starting up D1 DB storage caused object to be reset.",
            None,
        ),
        ("D1_ERROR: D1 DB reset because its code was updated.", None),
        (
            "D1_ERROR: Cannot resolve D1 DB due to transient issue on remote node.",
            None,
        ),
        ("D1_ERROR: database is locked: SQLITE_BUSY", None),
        ("database is locked", Some("SQLITE_BUSY")),
        ("database is locked", Some("ERR_SQLITE_ERROR")),
        (
            "could not serialize access due to read/write dependencies among transactions",
            Some("40001"),
        ),
        ("deadlock detected", Some("40P01")),
        (
            "terminating connection due to administrator command",
            Some("57P01"),
        ),
        (
            "write CONNECTION_CLOSED 127.0.0.1:5432",
            Some("CONNECTION_CLOSED"),
        ),
        ("read ECONNRESET", Some("ECONNRESET")),
        ("connection failure", Some("08006")),
    ] {
        assert!(transient(message, code), "{message} {code:?}");
    }
}

#[test]
fn constraint_violations_and_mistakes_are_never_tried_again() {
    for (message, code) in [
        (
            "D1_ERROR: UNIQUE constraint failed: events.subject, events.status: SQLITE_CONSTRAINT",
            None,
        ),
        (
            "UNIQUE constraint failed: payouts.idempotency_key",
            Some("SQLITE_CONSTRAINT_UNIQUE"),
        ),
        (
            "duplicate key value violates unique constraint \"events_pkey\"",
            Some("23505"),
        ),
        // A constraint hit while the database was also busy is still a constraint.
        (
            "UNIQUE constraint failed: sessions.id (database is locked earlier)",
            None,
        ),
        ("D1_ERROR: no such table: sessions: SQLITE_ERROR", None),
        ("syntax error at or near \"ON\"", Some("42601")),
        ("column reference \"our_id\" is ambiguous", Some("42702")),
        (
            "write CONNECTION_ENDED 127.0.0.1:5432",
            Some("CONNECTION_ENDED"),
        ),
        ("", None),
    ] {
        assert!(!transient(message, code), "{message} {code:?}");
    }
}

#[test]
fn pauses_double_with_jitter_and_stay_short() {
    for attempt in 1..ATTEMPTS {
        let base = BASE_PAUSE_MS << (attempt - 1);
        let ms = pause(BASE_PAUSE_MS, attempt);
        assert!((base..=2 * base).contains(&ms), "try {attempt}: {ms} ms");
    }
    let total: u64 = (1..ATTEMPTS).map(|a| 2 * (BASE_PAUSE_MS << (a - 1))).sum();
    assert!(total <= 1_000, "at most {total} ms of pauses before a 503");
}

#[test]
fn a_failure_is_logged_by_its_schema_names_or_its_code_never_its_values() {
    let failure = |message: &str, code: Option<&str>| Failure {
        message: message.to_owned(),
        code: code.map(str::to_owned),
    };
    assert_eq!(
        failure("deadlock detected: Process 12 waits for 'x'", Some("40P01")).reason(),
        "code 40P01"
    );
    assert_eq!(
        failure("database is locked", Some("SQLITE_BUSY")).reason(),
        "database is locked"
    );
    assert_eq!(
        failure("value '+2250701020304' bad", Some("a b'+225")).reason(),
        "details withheld"
    );
}

#[test]
fn integers_above_two_to_the_53_are_refused_rather_than_rounded() {
    assert_eq!(exact(MAX_AMOUNT), Ok(9_007_199_254_740_991.0));
    assert!(exact(MAX_AMOUNT + 1).is_err());
}

#[test]
fn a_column_of_the_wrong_type_or_an_unknown_name_is_a_row_of_unexpected_shape() {
    fn read(row: &mut Row) -> (u64, Option<String>, Provider) {
        let n = row.uint("n", 100);
        let t = row.text_opt("t");
        (n, t, row.pick("p", &Provider::ALL, Provider::as_str))
    }
    let rows = |value: Value| Rows {
        op: "D1 read".to_owned(),
        values: vec![value],
    };
    let read_one = |value| rows(value).all(read).map_err(|e| e.0);
    assert_eq!(
        read_one(serde_json::json!({"n": 7, "t": null, "p": "cinetpay"})),
        Ok(vec![(7, None, Provider::CinetPay)])
    );
    for wrong in [
        serde_json::json!({"n": 7, "t": 5, "p": "cinetpay"}),
        serde_json::json!({"n": 101, "p": "cinetpay"}),
        serde_json::json!({"n": "7", "p": "cinetpay"}),
        serde_json::json!({"t": "x", "p": "cinetpay"}),
        serde_json::json!({"n": 7, "p": "paypal"}),
        serde_json::json!({"n": 7}),
    ] {
        assert_eq!(
            read_one(wrong.clone()),
            Err("D1 read: a stored row has an unexpected shape".to_owned()),
            "{wrong}"
        );
    }
}

/// The name part of `safe_reason` as it was: a take_while/take/collect chain, then
/// `format!` with the name's trailing spaces cut.
fn named_before(message: &str, phrase: &str, start: usize) -> String {
    let rest = &message[start + phrase.len()..];
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ',' | ' '))
        .take(120)
        .collect();
    format!("{phrase}{}", name.trim_end())
}

/// `safe_reason` keeps the same schema names as the chain did, on 4,000 generated
/// messages: each named phrase before runs of names, spaces (trailing too), other
/// punctuation and non-ASCII letters, shorter and longer than 120 characters.
#[test]
fn safe_reason_keeps_the_names_the_chain_kept_on_many_messages() {
    const PHRASES: [&str; 5] = [
        "UNIQUE constraint failed: ",
        "NOT NULL constraint failed: ",
        "no such table: ",
        "no such column: ",
        "table already exists: ",
    ];
    // Names and spaces first (the characters kept), then what ends a name.
    const PIECES: [&str; 12] = [
        "sessions.id",
        " ",
        "  ",
        ", ",
        "payouts",
        "_x.",
        "a1",
        "é",
        "💳",
        ":",
        "'",
        "\t",
    ];
    let mut seed = 5u64;
    let mut next = |below: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) % below
    };
    for _ in 0..4000 {
        let phrase = PHRASES[next(5) as usize];
        let mut message = String::new();
        if next(2) == 0 {
            message.push_str("D1_ERROR: ");
        }
        message.push_str(phrase);
        let most = if next(4) == 0 { 80 } else { 8 };
        // A third of the messages name for long (past the 120 kept characters).
        let kinds = if next(3) == 0 { 7 } else { PIECES.len() as u64 };
        for _ in 0..next(most) {
            message.push_str(PIECES[next(kinds) as usize]);
        }
        let start = crate::http::text::find(&message, phrase).unwrap();
        assert_eq!(
            safe_reason(&message),
            named_before(&message, phrase, start),
            "{message:?}"
        );
    }
}
