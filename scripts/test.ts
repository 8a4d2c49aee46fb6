// `npm test`: every suite, one after the other, then one closing line with the totals.
//   unit      Worker and Durable Objects inside workerd (vitest-pool-workers)
//   node      the fake upstream, the Upstash bridge, the operator CLI, migrations and the CRS importer,
//             the deploy setup script
//   e2e       the running stack with the real SDKs and CLIs
//   ui        the admin dashboard: logic tests, and the built UI in Chromium against the stack
// `npm test -- unit` (or node, e2e, ui) runs only those.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SUITES: Record<string, string[]> = {
  unit: ["vitest.config.ts", "test/billing-queue/vitest.config.ts"],
  node: [
    "test/fake-upstream/vitest.config.ts",
    "test/bridge/vitest.config.ts",
    "test/cli/vitest.config.ts",
    "test/migrations/vitest.config.ts",
    "test/deploy/vitest.config.ts",
  ],
  e2e: ["vitest.e2e.config.ts"],
  ui: ["test/ui/vitest.config.ts"],
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in SUITES));
if (unknown.length > 0 || wanted.includes("--help")) {
  console.error(`usage: npm test [-- ${Object.keys(SUITES).join("|")} ...]`);
  process.exit(unknown.length > 0 ? 2 : 0);
}
const chosen = wanted.length > 0 ? wanted : Object.keys(SUITES);
const reports = mkdtempSync(join(tmpdir(), "edge-relay-test-"));
let passed = 0;
let failed = 0;
let failedRuns = 0;

for (const suite of chosen) {
  for (const config of SUITES[suite] ?? []) {
    const report = join(reports, `${suite}-${config.replaceAll("/", "_")}.json`);
    console.log(`\n=== ${suite}: ${config}`);
    const result = spawnSync(
      process.execPath,
      [
        "node_modules/vitest/vitest.mjs",
        "run",
        "-c",
        config,
        "--reporter=default",
        "--reporter=json",
        `--outputFile.json=${report}`,
      ],
      { stdio: "inherit", env: process.env },
    );
    try {
      const counts = JSON.parse(readFileSync(report, "utf8")) as {
        numPassedTests: number;
        numFailedTests: number;
      };
      passed += counts.numPassedTests;
      failed += counts.numFailedTests;
    } catch {
      console.error(`no test report from ${config}`);
    }
    if (result.status !== 0) failedRuns += 1;
  }
}
rmSync(reports, { recursive: true, force: true });
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(failedRuns > 0 || failed > 0 ? 1 : 0);
