-- Guichet edge ledger, schema 3, PostgreSQL only: merchant events become visible in the
-- order of their cursor. Apply with `npx guichet-migrate` (GUICHET_LEDGER_URL=postgres://...).
--
-- An identity value is drawn when a row is inserted, not when its transaction commits: two
-- processes writing events at once could commit seq 6 before seq 5, and a GET /events
-- reader between the two commits would pass cursor 6 and never list 5. So one transaction
-- at a time writes events: each takes a transaction-scoped advisory lock before its rows
-- draw their seq (a statement-level BEFORE trigger runs before any row is formed), and keeps
-- it until it commits. The INSERT is the last statement of its transaction, so the lock is
-- held for the commit alone. SQLite and D1 have one writer at a time already.
--
-- Every statement is idempotent and ends with a semicolon at the end of a line; the
-- function's body is on one line, its own semicolons inside it.
CREATE OR REPLACE FUNCTION guichet_events_in_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(7400932); RETURN NULL; END $$;

DROP TRIGGER IF EXISTS merchant_events_in_commit_order ON merchant_events;

CREATE TRIGGER merchant_events_in_commit_order BEFORE INSERT ON merchant_events FOR EACH STATEMENT EXECUTE FUNCTION guichet_events_in_commit_order();
