// Cost growth: the same webhook load with 10, 10 000 and 100 000 payments in the D1 ledger.
import { existsSync } from "node:fs";

const root = new URL("../", import.meta.url).pathname;

export async function ledgerGrowth({ log = console.log }) {
  if (!existsSync(`${root}migrations`)) {
    const reason = "skipped: the D1 ledger is not in this tree (no migrations/)";
    log(`  ledger: ${reason}`);
    return { skipped: reason };
  }
  return { skipped: "skipped: not wired yet" };
}
