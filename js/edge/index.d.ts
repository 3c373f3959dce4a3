/** The merchant's configuration: Workers vars and secrets, or the process environment. */
export type GuichetEnv = Record<string, string | undefined>;

/** Answers one request of the edge HTTP contract (mounted at `GUICHET_BASE_PATH`, `/api` by default). */
export function fetch(request: Request, env?: GuichetEnv): Promise<Response>;

/** Closes the database connections GUICHET_LEDGER_URL opened (a server shutting down). */
export function closeLedgers(): Promise<void>;

declare const handler: { fetch(request: Request, env?: GuichetEnv): Promise<Response> };
export default handler;
