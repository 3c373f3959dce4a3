/**
 * The merchant's settings, as Workers vars and secrets or the process environment. Every
 * name is documented in `guichet/docs/EDGE.md`. A Workers `Env` interface with these
 * names (and any bindings of its own) is accepted as it is, no index signature needed.
 */
export interface GuichetEnv {
  /** Signs the session tokens (`k1`); or `GUICHET_SESSION_SECRETS` (`k2:new,k1:old`). */
  GUICHET_SESSION_SECRET?: string;
  GUICHET_SESSION_SECRETS?: string;
  /** Browser origins allowed by CORS and as return pages, comma-separated. */
  GUICHET_ALLOWED_ORIGINS?: string;
  /** JSON `{sku: {name, price, currency}}`, `price` in minor units. */
  GUICHET_CATALOG?: string;
  /** Bearer key of `POST /orders` and `/payouts`. */
  GUICHET_ADMIN_KEY?: string;
  /** The public origin (and path prefix) that reaches this backend. */
  GUICHET_PUBLIC_URL?: string;
  /** The shopper's default return page. */
  GUICHET_RETURN_URL?: string;
  /** Where the contract is mounted (default `/api`). */
  GUICHET_BASE_PATH?: string;
  /** Session lifetime in seconds (default 1800). */
  GUICHET_SESSION_TTL?: string;
  /** The merchant's event endpoints (Standard Webhooks), comma-separated. */
  GUICHET_WEBHOOK_URL?: string;
  /** `whsec_<base64>`: the secret the events are signed with. */
  GUICHET_WEBHOOK_SECRET?: string;
  /** Seconds the retry schedule is counted in (default 5). */
  GUICHET_WEBHOOK_RETRY_BASE?: string;
  /** Sessions and payouts asked about per sweep at most (default 50). */
  GUICHET_SWEEP_LIMIT?: string;
  /** Seconds a pending session waits before the sweep asks (default 300). */
  GUICHET_SWEEP_AFTER?: string;
  /** Status calls to one provider per sweep at most (default 40). */
  GUICHET_SWEEP_PROVIDER_CALLS?: string;
  /** Milliseconds a call to a provider may take before it counts as unanswered (default 10000). */
  GUICHET_PROVIDER_TIMEOUT_MS?: string;
  /** `1`: apply the ledger's migrations on first use. */
  GUICHET_LEDGER_AUTO_MIGRATE?: string;
  /** The ledger: on Workers a D1 database binding (`[[d1_databases]]`); `memory` for a throwaway one. */
  GUICHET_LEDGER?: object | string;
  /** Node, Deno: `file:./guichet-ledger.db` (SQLite) or `postgres://...` (PostgreSQL). */
  GUICHET_LEDGER_URL?: string;
  MONEROO_SECRET_KEY?: string;
  MONEROO_WEBHOOK_SECRET?: string;
  MONEROO_BASE_URL?: string;
  CINETPAY_API_KEY?: string;
  CINETPAY_SITE_ID?: string;
  CINETPAY_SECRET_KEY?: string;
  CINETPAY_BASE_URL?: string;
  CINETPAY_TRANSFER_BASE_URL?: string;
  CINETPAY_TRANSFER_PASSWORD?: string;
  MONEYFUSION_API_URL?: string;
  MONEYFUSION_BASE_URL?: string;
  MONEYFUSION_PRIVATE_KEY?: string;
  MONEYFUSION_PAYOUT_BASE_URL?: string;
  MONEYFUSION_CURRENCY?: string;
  /** Anything else the environment holds (other bindings, other settings) is ignored. */
  [name: string]: any;
}

/**
 * Answers one request of the edge HTTP contract (mounted at `GUICHET_BASE_PATH`, `/api` by
 * default). `env` defaults to the process environment (Node, Deno).
 */
export function fetch(request: Request, env?: GuichetEnv): Promise<Response>;

/** What one sweep did. */
export interface SweepReport {
  checked: number;
  settled: number;
  expired: number;
  unanswered: number;
  deferred: number;
  deliveries: { attempted: number; delivered: number; retrying: number; abandoned: number };
}

/**
 * One sweep (docs/EDGE.md, "The sweep"): re-checks with the providers what their
 * notifications did not settle and delivers the merchant's due events. Call it on a
 * timer, every minute. `env` defaults to the process environment.
 */
export function sweep(env?: GuichetEnv): Promise<SweepReport>;
/** Closes the database connections GUICHET_LEDGER_URL opened (a server shutting down). */
export function closeLedgers(): Promise<void>;

/**
 * The handler as a module's default export: the Worker itself on Workers (`env` is the
 * Worker's), and for `deno serve` and servers that take `{ fetch }`, where the settings
 * come from the process environment (the second argument is the server's, not an `env`).
 */
declare const handler: { fetch(request: Request, env?: GuichetEnv): Promise<Response> };
export default handler;
