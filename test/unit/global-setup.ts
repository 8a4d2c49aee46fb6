// Starts what workerd tests reach over loopback: a real redis-server behind the Upstash-REST
// bridge, and the fake upstream, on the ports the config fixed for this run.
import { startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import { startRedis } from "../../dev/redis.ts";
import { startUpstashBridge } from "../../dev/upstash-bridge.ts";
import { testSecrets, unitBridgePort, unitFakeUpstreamPort } from "./test-env.ts";

export default async function setup() {
  const redis = await startRedis();
  const bridge = await startUpstashBridge({
    redisPort: redis.port,
    token: testSecrets.UPSTASH_REDIS_REST_TOKEN,
    port: await unitBridgePort(),
  });
  const upstream = await startFakeUpstream({ port: await unitFakeUpstreamPort() });
  return async () => {
    await upstream.close();
    await bridge.close();
    await redis.stop();
  };
}
