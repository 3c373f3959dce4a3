// What the figures were taken on: they only mean something next to the machine.
import os from "node:os";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);

function version(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim().split("\n")[0];
  } catch {
    return "unknown";
  }
}

function pkgVersion(dir, name) {
  try {
    return JSON.parse(readFileSync(new URL(`${dir}node_modules/${name}/package.json`, root))).version;
  } catch {
    return "unknown";
  }
}

export function machine() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chromium: version("/usr/bin/chromium", ["--version"]),
    rustc: version("rustc", ["--version"]),
    miniflare: pkgVersion("", "miniflare"),
    workerd: pkgVersion("", "workerd"),
    playwright: pkgVersion("", "playwright-core"),
    autocannon: pkgVersion("bench/", "autocannon"),
    loadStart: os.loadavg()[0].toFixed(2),
    commit: version("git", ["-C", new URL(".", root).pathname, "rev-parse", "--short", "HEAD"]),
  };
}
