// Unit and integration tests inside workerd (vitest-pool-workers). A real redis-server behind
// the Upstash-REST bridge is started by test/unit/global-setup.ts on the port chosen here.
import { defineConfig } from "vitest/config";
import {
  testProxyCredentials,
  testSecrets,
  trustTestCa,
  unitBridgePort,
  unitFakeUpstreamPort,
  unitProxyPorts,
} from "./test/unit/test-env.ts";

// Before miniflare loads (it reads the extra CAs once): TLS through the proxies' tunnels is checked
// against the test CA. Hence the dynamic import.
trustTestCa();
const { cloudflareTest } = await import("@cloudflare/vitest-pool-workers");

const port = await unitBridgePort();
const upstreamPort = await unitFakeUpstreamPort();
const proxyPorts = await unitProxyPorts();
const proxyAuth = `${testProxyCredentials.username}:${testProxyCredentials.password}`;

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
          /** Not read by the Worker: the local egress proxies (dev/proxies.ts) and the TLS front. */
          TEST_CONNECT_PROXY_URL: `http://${proxyAuth}@127.0.0.1:${proxyPorts.connect}`,
          TEST_SOCKS5_PROXY_URL: `socks5://${proxyAuth}@127.0.0.1:${proxyPorts.socks5}`,
          TEST_SILENT_PROXY_URL: `socks5://127.0.0.1:${proxyPorts.silent}`,
          TEST_TLS_UPSTREAM_URL: `https://upstream.test:${proxyPorts.tlsUpstream}`,
          TEST_PROXY_STATS_URL: `http://127.0.0.1:${proxyPorts.stats}`,
          TEST_HTTPS_PROXY_URL: `https://${proxyAuth}@127.0.0.1:${proxyPorts.httpsProxy}`,
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
