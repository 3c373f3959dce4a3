/** The merchant's configuration: Workers vars and secrets, or the process environment. */
export type GuichetEnv = Record<string, string | undefined>;

/** Answers one request of the edge HTTP contract (mounted at `GUICHET_BASE_PATH`, `/api` by default). */
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

/** One sweep (docs/EDGE.md, "The sweep"): call it on a timer, every minute. */
export function sweep(env?: GuichetEnv): Promise<SweepReport>;

declare const handler: { fetch(request: Request, env?: GuichetEnv): Promise<Response> };
export default handler;
