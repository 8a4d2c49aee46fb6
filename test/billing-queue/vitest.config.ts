// The Queue path of billing events inside workerd: the relay with a BILLING_QUEUE producer bound
// (which the main unit config leaves unbound, so its tests use the HTTP sink), and the example
// consumer (examples/billing-consumer/, bundled here) consuming the queue as an auxiliary Worker.
// Same keyspace and fake upstream as the unit tests (their global setup).
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { defineConfig } from "vitest/config";
import { testSecrets, trustTestCa, unitBridgePort, unitFakeUpstreamPort } from "../unit/test-env.ts";

trustTestCa();
const { cloudflareTest } = await import("@cloudflare/vitest-pool-workers");

const root = fileURLToPath(new URL("../..", import.meta.url));
const outdir = `${root}/.tools/billing-consumer`;
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [`${root}/examples/billing-consumer/worker.ts`],
  bundle: true,
  format: "esm",
  platform: "neutral",
  external: ["cloudflare:*"],
  outfile: `${outdir}/worker.js`,
  logLevel: "silent",
});

const port = await unitBridgePort();
const upstreamPort = await unitFakeUpstreamPort();

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: `${root}/wrangler.jsonc` },
      miniflare: {
        bindings: {
          ...testSecrets,
          UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${port}`,
          TEST_FAKE_UPSTREAM_URL: `http://127.0.0.1:${upstreamPort}`,
        },
        queueProducers: { BILLING_QUEUE: "edge-relay-billing" },
        serviceBindings: { BILLING_CONSUMER: "billing-consumer" },
        workers: [
          {
            name: "billing-consumer",
            modules: true,
            scriptPath: `${outdir}/worker.js`,
            compatibilityDate: "2026-08-22",
            durableObjects: { LEDGER: { className: "BillingLedger", useSQLite: true } },
            queueConsumers: { "edge-relay-billing": { maxBatchTimeout: 1, maxBatchSize: 100 } },
          },
        ],
      },
    }),
  ],
  test: {
    include: ["test/billing-queue/**/*.test.ts"],
    root,
    silent: "passed-only",
    globalSetup: [`${root}/test/unit/global-setup.ts`],
    fileParallelism: false,
  },
});
