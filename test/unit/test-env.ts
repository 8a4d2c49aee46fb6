// Secrets and the keyspace port shared by the unit-test config (Node) and the tests (workerd).
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const testSecrets = {
  UPSTASH_REDIS_REST_TOKEN: "unit-test-bridge-token",
  KEY_HASH_SECRET: "unit-test-key-hash-secret-0123456789",
  ENCRYPTION_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
  JWT_SECRET: "unit-test-jwt-secret-0123456789",
};

/** A free loopback port, fixed for this test run (global setup reads it back from the env). */
async function fixedPort(name: string): Promise<number> {
  const fixed = Number(process.env[name]);
  if (fixed) return fixed;
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const found = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(found));
    });
  });
  process.env[name] = String(port);
  return port;
}

export const unitBridgePort = () => fixedPort("EDGE_RELAY_UNIT_BRIDGE_PORT");
export const unitFakeUpstreamPort = () => fixedPort("EDGE_RELAY_UNIT_UPSTREAM_PORT");

/** The local egress proxies' credentials (dev/proxies.ts), and their ports for this run. */
export const testProxyCredentials = { username: "relay-user", password: "proxy-secret-0123" };
export const unitProxyPorts = async () => ({
  connect: await fixedPort("EDGE_RELAY_UNIT_CONNECT_PROXY_PORT"),
  socks5: await fixedPort("EDGE_RELAY_UNIT_SOCKS5_PROXY_PORT"),
  silent: await fixedPort("EDGE_RELAY_UNIT_SILENT_PROXY_PORT"),
  tlsUpstream: await fixedPort("EDGE_RELAY_UNIT_TLS_UPSTREAM_PORT"),
  stats: await fixedPort("EDGE_RELAY_UNIT_PROXY_STATS_PORT"),
  httpsProxy: await fixedPort("EDGE_RELAY_UNIT_HTTPS_PROXY_PORT"),
});

/**
 * Makes workerd trust the test CA (dev/test-tls/ca.pem) for TLS through a proxy tunnel: miniflare
 * reads NODE_EXTRA_CA_CERTS once, when it is first imported, so this runs before that import. A
 * CA file the user set already is kept, the test CA added to a copy of it.
 */
export function trustTestCa(): void {
  const testCa = new URL("../../dev/test-tls/ca.pem", import.meta.url).pathname;
  const current = process.env.NODE_EXTRA_CA_CERTS;
  if (!current || current === testCa) {
    process.env.NODE_EXTRA_CA_CERTS = testCa;
    return;
  }
  const combined = join(tmpdir(), `edge-relay-test-ca-${process.pid}.pem`);
  writeFileSync(combined, `${readFileSync(current, "utf8")}\n${readFileSync(testCa, "utf8")}`);
  process.env.NODE_EXTRA_CA_CERTS = combined;
}
