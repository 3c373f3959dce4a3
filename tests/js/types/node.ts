// The Guichet backend inside a Hono app on Node, as a merchant writes it: checked with
// `tsc --strict` (types from hono, @hono/node-server and @types/node).
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { fetch as checkout, type GuichetEnv } from "guichet/edge";

const env: GuichetEnv = process.env;
const app = new Hono();
app.get("/", (c) => c.text("Chez Awa"));
app.all("/api/*", (c) => checkout(c.req.raw, env));

serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT ?? 3000) });
