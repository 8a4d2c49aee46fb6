// Secrets and the keyspace port shared by the unit-test config (Node) and the tests (workerd).
import { createServer } from "node:net";

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
