import type { GuichetEnv } from "./index.js";
export type { GuichetEnv } from "./index.js";

/** Answers one request of the edge HTTP contract with the Worker's `env`. */
export function fetch(request: Request, env: GuichetEnv): Promise<Response>;

/** The Worker itself: `main = "node_modules/guichet/pkg/edge/worker.js"`. */
declare const handler: { fetch(request: Request, env: GuichetEnv): Promise<Response> };
export default handler;
