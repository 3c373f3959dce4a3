// Guichet's backend inside a Deno server with routes of its own.
//   npm install guichet   (or: deno add npm:guichet)
//   deno run --allow-net --allow-read --allow-env deno.js
import { fetch as guichet } from "guichet/edge";

const settings = Deno.env.toObject();
const port = Number(settings.PORT ?? 8000);
Deno.serve({ hostname: "127.0.0.1", port, onListen: () => console.log(`listening on http://127.0.0.1:${port}`) }, (request) => {
  // Everything under /api is Guichet's (GUICHET_BASE_PATH).
  if (new URL(request.url).pathname.startsWith("/api/")) return guichet(request, settings);
  return new Response("Chez Awa", { headers: { "content-type": "text/plain; charset=utf-8" } });
});
