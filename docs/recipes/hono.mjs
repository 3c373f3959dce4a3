// Guichet's backend inside a Hono app on Node.
//   npm install guichet hono @hono/node-server
//   GUICHET_SESSION_SECRET=… GUICHET_PUBLIC_URL=… MONEROO_SECRET_KEY=… node hono.mjs
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { fetch as guichet } from "guichet/edge";

const app = new Hono();
app.get("/", (c) => c.text("Chez Awa"));
// Everything under /api is Guichet's (GUICHET_BASE_PATH), settings from the environment.
app.all("/api/*", (c) => guichet(c.req.raw, process.env));

const port = Number(process.env.PORT ?? 3000);
serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, () => console.log(`listening on http://127.0.0.1:${port}`));
