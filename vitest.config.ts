// Unit and integration tests inside workerd (vitest-pool-workers). A real redis-server behind
// the Upstash-REST bridge is started by test/unit/global-setup.ts on the port chosen here.
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { testSecrets, unitBridgePort, unitFakeUpstreamPort } from "./test/unit/test-env.ts";

const port = await unitBridgePort();
const upstreamPort = await unitFakeUpstreamPort();

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        bindings: {
          ...testSecrets,
          UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${port}`,
          KEY_CACHE_SECONDS: "30",
          METRICS_TOKEN: "unit-test-metrics-token",
          MAX_BODY_BYTES: "1048576",
          // Short leases so expiry and reclaim can be observed within a test.
          LEASE_TTL_SECONDS: "2",
          // An upstream that sends no headers for 2 s has timed out (the fake's slow-<ms> scenario).
          UPSTREAM_TIMEOUT_SECONDS: "2",
          // Every request logs a line, so the tests that scan logs for secrets see them all.
          LOG_REQUESTS: "true",
          /** Not read by the Worker: tells tests where the fake upstream listens. */
          TEST_FAKE_UPSTREAM_URL: `http://127.0.0.1:${upstreamPort}`,
          // A slow token endpoint, so parallel requests really overlap a refresh.
          CLAUDE_OAUTH_TOKEN_URL: `http://127.0.0.1:${upstreamPort}/s/slow-200/v1/oauth/token`,
          GEMINI_OAUTH_TOKEN_URL: `http://127.0.0.1:${upstreamPort}/s/slow-200/v1/oauth/token`,
          OPENAI_OAUTH_TOKEN_URL: `http://127.0.0.1:${upstreamPort}/s/slow-200/v1/oauth/token`,
          DROID_OAUTH_TOKEN_URL: `http://127.0.0.1:${upstreamPort}/s/slow-200/user_management/authenticate`,
        },
      },
    }),
  ],
  test: {
    include: ["test/unit/**/*.test.ts"],
    // Logs (the Worker logs a line per request) are shown for failing tests only.
    silent: "passed-only",
    globalSetup: ["./test/unit/global-setup.ts"],
    // Tests share one keyspace and some empty it: one file at a time.
    fileParallelism: false,
  },
});
