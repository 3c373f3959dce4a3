-- Guichet edge ledger, schema 2: fulfilment, in PostgreSQL's dialect: the same tables,
-- keys and checks as migrations/0002_fulfilment.sql (SQLite, D1). Apply with
-- `npx guichet-migrate` (GUICHET_LEDGER_URL=postgres://...). The merchant's events (the
-- outbox), the marks of provider notifications still to confirm, the shop's metadata of a
-- session, and when the sweep last asked about a pending session or payout.
--
-- As in 0001, every
-- statement is idempotent (new tables beside the old ones, no ALTER), statements end with
-- a semicolon at the end of a line and hold none inside.

-- The `metadata` of POST /sessions (a JSON object of strings), when the shop gave one.
CREATE TABLE IF NOT EXISTS session_metadata (
  session_id    TEXT PRIMARY KEY NOT NULL REFERENCES sessions (id),
  metadata_json TEXT NOT NULL
);

-- When the sweep last asked the provider about a pending session or payout, so that each
-- run takes the least recently asked first.
CREATE TABLE IF NOT EXISTS sweep_checks (
  subject    TEXT    NOT NULL CHECK (subject IN ('payment', 'payout')),
  record_id  TEXT    NOT NULL,
  checked_at BIGINT  NOT NULL,
  PRIMARY KEY (subject, record_id)
);

-- What the sweep looks for: pending sessions and payouts.
CREATE INDEX IF NOT EXISTS sessions_by_status ON sessions (status, expires_at);
CREATE INDEX IF NOT EXISTS payouts_by_status ON payouts (status, created_at);

-- One event per final status, written in the same batch as the status change: the
-- UNIQUE subject_id refuses a second one. seq is the GET /events cursor; id is the
-- webhook-id of every delivery attempt. next_attempt_at is NULL once delivered to every
-- endpoint (last_error NULL) or abandoned (last_error set).
CREATE TABLE IF NOT EXISTS merchant_events (
  seq             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id              TEXT    NOT NULL UNIQUE,
  type            TEXT    NOT NULL,
  subject_id      TEXT    NOT NULL UNIQUE,
  payload         TEXT    NOT NULL,
  created_at      BIGINT  NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  delivered_to    TEXT    NOT NULL DEFAULT '',
  last_error      TEXT
);

CREATE INDEX IF NOT EXISTS merchant_events_due ON merchant_events (next_attempt_at);

-- An authentic notification, written before its status call and removed once settled;
-- the sweep confirms what is left. One mark per subject, provider and key (the
-- provider's id, else ours).
CREATE TABLE IF NOT EXISTS rechecks (
  subject      TEXT    NOT NULL CHECK (subject IN ('payment', 'payout')),
  provider     TEXT    NOT NULL CHECK (provider IN ('moneroo', 'cinetpay', 'moneyfusion')),
  key          TEXT    NOT NULL,
  provider_ref TEXT    NOT NULL,
  our_id       TEXT,
  attempts     INTEGER NOT NULL DEFAULT 0,
  due_at       BIGINT  NOT NULL,
  PRIMARY KEY (subject, provider, key)
);

CREATE INDEX IF NOT EXISTS rechecks_due ON rechecks (due_at);
