// The Guichet backend on Deno, as a merchant writes it: checked with `tsc --strict` and
// Deno's own declarations (`deno types`).
import { fetch as checkout } from "guichet/edge";

const settings = Deno.env.toObject();
Deno.serve({ hostname: "127.0.0.1", port: 8000 }, (request: Request) => {
  const { pathname } = new URL(request.url);
  if (pathname.startsWith("/api/")) return checkout(request, settings);
  return new Response("Chez Awa", { headers: { "content-type": "text/plain; charset=utf-8" } });
});
