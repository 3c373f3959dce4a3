// The Guichet backend inside an Express app, with a JSON body parser in front: checked
// with `tsc --strict` (types from @types/express and @types/node).
import express from "express";
import { fetch as checkout } from "guichet/edge";
import { handler, keepRawBody, send, toRequest } from "guichet/edge/node";

const app = express();
app.use(express.json({ verify: keepRawBody }));
app.use("/api", handler(process.env));
// One route of the shop's own that hands a request to Guichet itself.
app.get("/status", async (req, res) => {
  await send(res, await checkout(await toRequest(req), { ...process.env, GUICHET_BASE_PATH: "/" }));
});
app.listen(3000, "127.0.0.1");
