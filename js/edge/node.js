// Node's own servers (node:http, Express, Connect, Fastify's raw request) in front of the
// edge handler: `IncomingMessage` to `Request`, `Response` to `ServerResponse`.
//
// A provider's signature covers the exact bytes it sent, so the body must reach the edge
// as it came. A body parser in front of Guichet (`express.json()`) reads those bytes
// first: keep them (`express.json({ verify: keepRawBody })` sets `req.rawBody`) or mount
// Guichet before the parser; otherwise `toRequest` throws `BodyAlreadyRead`, and
// `handler` answers it as a `500 body_already_read` that says so.
import { fetch as guichet } from "./index.js";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"]);

/** The body was consumed by a parser and its bytes were not kept. */
export class BodyAlreadyRead extends Error {
  constructor(method, url) {
    super(
      `guichet: the body of ${method} ${url} was already read by a body parser (express.json() or the like), ` +
        "and providers' signatures need its exact bytes. Mount Guichet before the parser, or keep the bytes with " +
        "express.json({ verify: keepRawBody }) (keepRawBody from guichet/edge/node).",
    );
    this.name = "BodyAlreadyRead";
    this.code = "body_already_read";
  }
}

/** For a body parser's `verify` option: keeps the bytes it read as `req.rawBody`. */
export function keepRawBody(req, _res, bytes) {
  req.rawBody = Buffer.from(bytes);
}

async function bodyOf(req) {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  if (req.rawBody !== undefined) return Buffer.from(req.rawBody);
  // A parser sets `body` (or `_body`) once it has drained the stream.
  if (req._body === true || (req.readableEnded && req.body !== undefined)) {
    throw new BodyAlreadyRead(req.method, req.originalUrl ?? req.url);
  }
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * A WinterCG `Request` for a Node `IncomingMessage`: its full URL (Express's
 * `originalUrl`, so a router mounted at `/api` still sends `/api/...`), headers and body.
 */
export async function toRequest(req) {
  const scheme = req.socket?.encrypted ? "https" : "http";
  const url = new URL(req.originalUrl ?? req.url, `${scheme}://${req.headers.host ?? "localhost"}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (HOP_BY_HOP.has(name) || value === undefined) continue;
    for (const one of [value].flat()) headers.append(name, one);
  }
  return new Request(url, { method: req.method, headers, body: await bodyOf(req) });
}

/** Writes a WinterCG `Response` to a Node `ServerResponse`. */
export async function send(res, response) {
  const bytes = Buffer.from(await response.arrayBuffer());
  const headers = {};
  for (const [name, value] of response.headers) if (!HOP_BY_HOP.has(name)) headers[name] = value;
  res.writeHead(response.status, headers).end(bytes);
}

/**
 * A `node:http` request listener, also an Express or Connect middleware: answers with the
 * edge handler, settings from `env` (the process environment by default).
 */
export function handler(env = process.env) {
  return async (req, res) => {
    try {
      await send(res, await guichet(await toRequest(req), env));
    } catch (error) {
      const code = error instanceof BodyAlreadyRead ? error.code : "internal_error";
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      res.end(JSON.stringify({ error: { code, message: error instanceof BodyAlreadyRead ? error.message : "the edge handler failed" } }));
      if (!(error instanceof BodyAlreadyRead)) console.error(error);
    }
  };
}
