// Guichet's backend inside an Express app on Node.
//   npm install guichet express
//   GUICHET_SESSION_SECRET=… GUICHET_PUBLIC_URL=… MONEROO_SECRET_KEY=… node express.mjs
import express from "express";
import { handler, keepRawBody } from "guichet/edge/node";

const app = express();
// The shop's own routes may parse JSON. Providers sign the exact bytes they send, so the
// parser keeps them for Guichet (without `verify`, Guichet answers 500 body_already_read).
app.use(express.json({ verify: keepRawBody }));
app.get("/", (req, res) => res.send("Chez Awa"));
// Everything under /api is Guichet's (GUICHET_BASE_PATH), settings from the environment.
app.use("/api", handler(process.env));

const port = Number(process.env.PORT ?? 3000);
app.listen(port, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${port}`));
