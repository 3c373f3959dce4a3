// Guichet's backend as a Next.js route handler: app/api/[...guichet]/route.js serves
// everything under /api (GUICHET_BASE_PATH), settings from the environment (.env.local).
//   npm install guichet
// next.config.mjs: `export default { serverExternalPackages: ["guichet"] };` so Node loads
// the package (and its .wasm) from node_modules instead of bundling it.
import { fetch as guichet } from "guichet/edge";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export function GET(request) {
  return guichet(request, process.env);
}
export { GET as POST, GET as OPTIONS };
