import type { GuichetEnv } from "./index.js";
export type { GuichetEnv } from "./index.js";

/** Answers one request of the edge HTTP contract with the Worker's `env`. */
export function fetch(request: Request, env: GuichetEnv, ctx?: WaitUntil): Promise<Response>;

/** The Workers execution context (`waitUntil` keeps work alive after the answer). */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/** The Cron Trigger: one sweep (docs/EDGE.md, "The sweep"). */
export function scheduled(controller: unknown, env: GuichetEnv, ctx: WaitUntil): void;

export { sweep, type SweepReport } from "./index.js";

/** The Worker itself: `main = "node_modules/guichet/pkg/edge/worker.js"`. */
declare const handler: {
  fetch(request: Request, env: GuichetEnv, ctx?: WaitUntil): Promise<Response>;
  scheduled(controller: unknown, env: GuichetEnv, ctx: WaitUntil): void;
};
export default handler;
