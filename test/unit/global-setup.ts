// Starts what workerd tests reach over loopback: a real redis-server behind the Upstash-REST
// bridge, and the fake upstream, on the ports the config fixed for this run.
import { startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import {
  startConnectProxy,
  startProxyStatsServer,
  startSilentProxy,
  startSocks5Proxy,
  startTlsFront,
} from "../../dev/proxies.ts";
import { startRedis } from "../../dev/redis.ts";
import { startUpstashBridge } from "../../dev/upstash-bridge.ts";
import {
  testProxyCredentials,
  testSecrets,
  unitBridgePort,
  unitFakeUpstreamPort,
  unitProxyPorts,
} from "./test-env.ts";

export default async function setup() {
  const redis = await startRedis();
  const bridge = await startUpstashBridge({
    redisPort: redis.port,
    token: testSecrets.UPSTASH_REDIS_REST_TOKEN,
    port: await unitBridgePort(),
  });
  const upstream = await startFakeUpstream({ port: await unitFakeUpstreamPort() });
  // Egress proxies for accounts that name one (worker/proxy/), and a TLS front before the fake.
  const ports = await unitProxyPorts();
  const connectProxy = await startConnectProxy({ ...testProxyCredentials, port: ports.connect });
  const socks5Proxy = await startSocks5Proxy({ ...testProxyCredentials, port: ports.socks5 });
  const silentProxy = await startSilentProxy({ port: ports.silent });
  const proxies = [
    connectProxy,
    socks5Proxy,
    silentProxy,
    await startTlsFront({ targetPort: upstream.port, port: ports.tlsUpstream }),
    // An https:// proxy: TLS (certificate for 127.0.0.1) before the CONNECT proxy.
    await startTlsFront({ targetPort: connectProxy.port, port: ports.httpsProxy, certificate: "proxy" }),
    await startProxyStatsServer(
      { connect: connectProxy, socks5: socks5Proxy, silent: silentProxy },
      ports.stats,
    ),
  ];
  return async () => {
    for (const proxy of proxies) await proxy.close();
    await upstream.close();
    await bridge.close();
    await redis.stop();
  };
}
