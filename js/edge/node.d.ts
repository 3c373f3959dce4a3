import type { IncomingMessage, ServerResponse } from "node:http";
import type { GuichetEnv } from "./index.js";

/** `toRequest` met a body that a parser already read without keeping its bytes. */
export class BodyAlreadyRead extends Error {
  name: "BodyAlreadyRead";
  code: "body_already_read";
}

/** For a body parser's `verify` option (`express.json({ verify: keepRawBody })`): keeps the bytes as `req.rawBody`. */
export function keepRawBody(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array): void;

/**
 * A WinterCG `Request` for a Node request: full URL (Express's `originalUrl`), headers, and
 * the body as sent (`req.rawBody` when a parser kept it). Throws `BodyAlreadyRead` when a
 * parser consumed the body and kept nothing.
 */
export function toRequest(req: IncomingMessage & { originalUrl?: string; rawBody?: Uint8Array | string }): Promise<Request>;

/** Writes a WinterCG `Response` to a Node response. */
export function send(res: ServerResponse, response: Response): Promise<void>;

/** A `node:http` listener, also an Express or Connect middleware, answering with the edge handler. */
export function handler(env?: GuichetEnv): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
