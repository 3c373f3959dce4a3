// A Cloudflare Worker with routes of its own and the Guichet backend under /api, as a
// merchant writes it with @cloudflare/workers-types: checked with `tsc --strict`.
import guichet, { fetch as checkout } from "guichet/edge";

export interface Env {
  GUICHET_LEDGER: D1Database;
  GUICHET_SESSION_SECRET: string;
  GUICHET_ALLOWED_ORIGINS: string;
  GUICHET_PUBLIC_URL: string;
  GUICHET_CATALOG: string;
  MONEROO_SECRET_KEY: string;
  ASSETS: Fetcher;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith("/api/")) return checkout(request, env);
    if (pathname === "/health") return guichet.fetch(new Request(new URL("/api/health", request.url)), env);
    ctx.passThroughOnException();
    return env.ASSETS.fetch(request);
  },
} satisfies ExportedHandler<Env>;
