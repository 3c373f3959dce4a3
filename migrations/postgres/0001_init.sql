-- Guichet edge ledger, schema 1, in PostgreSQL's dialect: the same tables, keys and checks
-- as migrations/0001_init.sql (SQLite, D1), which the ledger's queries are written for.
-- Apply with `npx guichet-migrate` (GUICHET_LEDGER_URL=postgres://...).
--
-- Amounts are BIGINT minor units of the row's currency (never floats), below 2^53.
-- Times are BIGINT unix seconds. Unique keys make a repeated delivery harmless: an event
-- key, an order reference and a payout idempotency key can each be stored once.
-- Statements end with a semicolon at the end of a line and hold none inside.

CREATE TABLE IF NOT EXISTS orders (
  id            TEXT    PRIMARY KEY NOT NULL,
  reference     TEXT    NOT NULL UNIQUE,
  amount        BIGINT  NOT NULL CHECK (amount >= 0 AND amount <= 9007199254740991),
  currency      TEXT    NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
  description   TEXT    NOT NULL,
  customer_json TEXT,
  created_at    BIGINT  NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (
  id              TEXT    PRIMARY KEY NOT NULL,
  provider        TEXT    NOT NULL CHECK (provider IN ('moneroo', 'cinetpay', 'moneyfusion')),
  order_id        TEXT,
  amount          BIGINT  NOT NULL CHECK (amount >= 0 AND amount <= 9007199254740991),
  currency        TEXT    NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
  description     TEXT    NOT NULL,
  status          TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled', 'expired')),
  provider_ref    TEXT,
  provider_status TEXT,
  checkout_url    TEXT,
  paid_amount     BIGINT  CHECK (paid_amount IS NULL OR (paid_amount >= 0 AND paid_amount <= 9007199254740991)),
  return_url      TEXT    NOT NULL,
  lang            TEXT    NOT NULL CHECK (lang IN ('fr', 'en')),
  created_at      BIGINT  NOT NULL,
  updated_at      BIGINT  NOT NULL,
  expires_at      BIGINT  NOT NULL,
  -- One provider payment belongs to one session (NULLs, not yet initialized, repeat).
  UNIQUE (provider, provider_ref)
);

CREATE INDEX IF NOT EXISTS sessions_by_order ON sessions (order_id, status);

CREATE TABLE IF NOT EXISTS session_events (
  seq             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_key       TEXT    NOT NULL UNIQUE,
  session_id      TEXT    NOT NULL REFERENCES sessions (id),
  source          TEXT    NOT NULL CHECK (source IN ('webhook', 'poll', 'expiry')),
  status          TEXT    NOT NULL
                  CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled', 'expired')),
  previous_status TEXT    NOT NULL
                  CHECK (previous_status IN ('pending', 'succeeded', 'failed', 'cancelled', 'expired')),
  provider_status TEXT    NOT NULL,
  paid_amount     BIGINT  CHECK (paid_amount IS NULL OR (paid_amount >= 0 AND paid_amount <= 9007199254740991)),
  moved           INTEGER NOT NULL CHECK (moved IN (0, 1)),
  at              BIGINT  NOT NULL,
  claim           TEXT    NOT NULL
);

CREATE INDEX IF NOT EXISTS session_events_by_session ON session_events (session_id, seq);

CREATE TABLE IF NOT EXISTS payouts (
  id              TEXT    PRIMARY KEY NOT NULL,
  idempotency_key TEXT    NOT NULL UNIQUE,
  request_digest  TEXT    NOT NULL,
  provider        TEXT    NOT NULL CHECK (provider IN ('moneroo', 'cinetpay', 'moneyfusion')),
  amount          BIGINT  NOT NULL CHECK (amount >= 0 AND amount <= 9007199254740991),
  currency        TEXT    NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
  recipient_json  TEXT    NOT NULL,
  status          TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled', 'expired')),
  provider_ref    TEXT,
  provider_status TEXT,
  failure         TEXT,
  created_at      BIGINT  NOT NULL,
  updated_at      BIGINT  NOT NULL,
  UNIQUE (provider, provider_ref)
);

CREATE TABLE IF NOT EXISTS payout_events (
  seq             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
  at              BIGINT  NOT NULL,
  claim           TEXT    NOT NULL
);

CREATE INDEX IF NOT EXISTS payout_events_by_payout ON payout_events (payout_id, seq);
