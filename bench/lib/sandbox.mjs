// The provider sandbox binary on 127.0.0.1, at zero added latency (no fault configured).
import { existsSync } from "node:fs";
import { startProcess, stopProcess } from "./procs.mjs";

const root = new URL("../../", import.meta.url).pathname;
export const sandboxBinary = `${process.env.CARGO_TARGET_DIR ?? `${root}target`}/release/guichet-sandbox`;

export function sandboxBuilt() {
  return existsSync(sandboxBinary);
}

/** Starts the sandbox on a free port; returns its base URL, endpoints and `stop()`. */
export async function startSandbox() {
  const { child, match } = await startProcess(sandboxBinary, ["--port", "0", "--seed", "8"], {
    ready: /moneyfusion API URL\s+(http:\/\/127\.0\.0\.1:\d+\S+)/,
    timeoutMs: 30_000,
  });
  const apiUrl = match[1];
  const base = new URL(apiUrl).origin;
  const control = async (method, path, body) => {
    const res = await fetch(`${base}/_sandbox${path}`, { method, headers: { "content-type": "application/json" }, body: body && JSON.stringify(body) });
    if (!res.ok) throw new Error(`sandbox ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  // The load runs far past Moneroo's published 120 requests a minute; lift it.
  await control("PATCH", "/settings", { moneroo_rate_limit: 100_000_000 });
  const info = await control("GET", "");
  return {
    base,
    info,
    control,
    moneyfusionApiUrl: apiUrl,
    moneyfusion: `${base}/moneyfusion`,
    moneroo: `${base}/moneroo`,
    cinetpay: `${base}/cinetpay`,
    stop: () => stopProcess(child),
  };
}
