/** The merchant's configuration: Workers vars and secrets, or the process environment. */
export type GuichetEnv = Record<string, string | undefined>;

/** Answers one request of the edge HTTP contract (mounted at `GUICHET_BASE_PATH`, `/api` by default). */
export function fetch(request: Request, env?: GuichetEnv): Promise<Response>;

declare const handler: {
  fetch(request: Request, env?: GuichetEnv, ctx?: { waitUntil(promise: Promise<unknown>): void }): Promise<Response>;
  /** The Cron Trigger: one sweep (docs/EDGE.md, "The sweep"). */
  scheduled(controller: unknown, env: GuichetEnv, ctx: { waitUntil(promise: Promise<unknown>): void }): void;
};
export default handler;
