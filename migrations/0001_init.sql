-- Guichet edge ledger, schema 1: sessions, their events, orders, payouts and their events.
-- Apply with `wrangler d1 migrations apply <database>`; the worker finds the database
-- through the binding named GUICHET_LEDGER.
--
-- Amounts are INTEGER minor units of the row's currency (never floats), below 2^53.
-- Times are INTEGER unix seconds. Unique keys make a repeated delivery harmless: an event
-- key, an order reference and a payout idempotency key can each be stored once.
-- Every statement is idempotent (IF NOT EXISTS), so applying this file again changes
-- nothing; statements end with a semicolon at the end of a line and hold none inside.

CREATE TABLE IF NOT EXISTS orders (
  id            TEXT    PRIMARY KEY NOT NULL,
  reference     TEXT    NOT NULL UNIQUE,
  amount        INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount >= 0),
  currency      TEXT    NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
  description   TEXT    NOT NULL,
  customer_json TEXT,
  created_at    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (
  id              TEXT    PRIMARY KEY NOT NULL,
  provider        TEXT    NOT NULL CHECK (provider IN ('moneroo', 'cinetpay', 'moneyfusion')),
  order_id        TEXT,
  amount          INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount >= 0),
  currency        TEXT    NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
  description     TEXT    NOT NULL,
  status          TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled', 'expired')),
  provider_ref    TEXT,
  provider_status TEXT,
  checkout_url    TEXT,
  paid_amount     INTEGER CHECK (paid_amount IS NULL OR (typeof(paid_amount) = 'integer' AND paid_amount >= 0)),
  return_url      TEXT    NOT NULL,
  lang            TEXT    NOT NULL CHECK (lang IN ('fr', 'en')),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  -- One provider payment belongs to one session (NULLs, not yet initialized, repeat).
  UNIQUE (provider, provider_ref)
);

-- "Has this order been paid?" looks sessions up by order.
CREATE INDEX IF NOT EXISTS sessions_by_order ON sessions (order_id, status);

-- One row per applied event; a second delivery of the same event_key is refused here.
-- seq keeps the order of arrival; previous_status is the session's status just before,
-- so the ledger can tell what the event did.
CREATE TABLE IF NOT EXISTS session_events (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  event_key       TEXT    NOT NULL UNIQUE,
  session_id      TEXT    NOT NULL REFERENCES sessions (id),
  source          TEXT    NOT NULL CHECK (source IN ('webhook', 'poll', 'expiry')),
  status          TEXT    NOT NULL
                  CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled', 'expired')),
  previous_status TEXT    NOT NULL
                  CHECK (previous_status IN ('pending', 'succeeded', 'failed', 'cancelled', 'expired')),
  provider_status TEXT    NOT NULL,
  paid_amount     INTEGER CHECK (paid_amount IS NULL OR (typeof(paid_amount) = 'integer' AND paid_amount >= 0)),
  moved           INTEGER NOT NULL CHECK (moved IN (0, 1)),
  at              INTEGER NOT NULL,
  -- Random per write: the one request whose insert won recognizes its own row.
  claim           TEXT    NOT NULL
);

CREATE INDEX IF NOT EXISTS session_events_by_session ON session_events (session_id, seq);

CREATE TABLE IF NOT EXISTS payouts (
  id              TEXT    PRIMARY KEY NOT NULL,
  idempotency_key TEXT    NOT NULL UNIQUE,
  request_digest  TEXT    NOT NULL,
  provider        TEXT    NOT NULL CHECK (provider IN ('moneroo', 'cinetpay', 'moneyfusion')),
  amount          INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount >= 0),
  currency        TEXT    NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
  recipient_json  TEXT    NOT NULL,
  status          TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled', 'expired')),
  provider_ref    TEXT,
  provider_status TEXT,
  failure         TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (provider, provider_ref)
);

CREATE TABLE IF NOT EXISTS payout_events (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  event_key       TEXT    NOT NULL UNIQUE,
  payout_id       TEXT    NOT NULL REFERENCES payouts (id),
  status          TEXT    NOT NULL
                  CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled', 'expired')),
  previous_status TEXT    NOT NULL
                  CHECK (previous_status IN ('pending', 'succeeded', 'failed', 'cancelled', 'expired')),
  provider_ref    TEXT,
  provider_status TEXT    NOT NULL,
  failure         TEXT,
  moved           INTEGER NOT NULL CHECK (moved IN (0, 1)),
  at              INTEGER NOT NULL,
  claim           TEXT    NOT NULL
);

CREATE INDEX IF NOT EXISTS payout_events_by_payout ON payout_events (payout_id, seq);
