// End-to-end tests in Node: they start the real local stack (redis + Upstash bridge + wrangler
// dev) and the fake upstream, and drive them with the real SDKs and CLIs.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    // Logs (the Worker logs a line per request) are shown for failing tests only.
    silent: "passed-only",
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
