// An account's egress proxy: sealed at rest, unsealed once per stored version, and the one place
// the relay and the account test send an account's upstream call through it. A proxy's own
// failure comes back as an answer the account's outcome rules read like the upstream's: refused
// credentials as a 403 (the account is parked unauthorized), anything else as a 502 (a server
// error, parked after repeats), each with a message naming what the proxy did.
import type { Services } from "../env.ts";
import { unseal } from "../keyspace/crypto.ts";
import type { AccountProxy } from "../keyspace/records/accounts.ts";
import { type ProxyConfig, parseProxyUrl } from "./config.ts";
import { proxiedFetch } from "./fetch.ts";
import { ProxyError } from "./handshake.ts";

/** The longest a proxy's connection and handshake may take (within the upstream timeout). */
const HANDSHAKE_MS = 10_000;

const unsealed = new Map<string, { sealed: string; config: ProxyConfig }>();

async function proxyOf(services: Services, proxy: AccountProxy, accountId: string): Promise<ProxyConfig> {
  const cached = unsealed.get(accountId);
  if (cached?.sealed === proxy.sealed) return cached.config;
  const config = parseProxyUrl(await unseal(await services.sealingKeys, proxy.sealed));
  unsealed.set(accountId, { sealed: proxy.sealed, config });
  return config;
}

/** A proxy's failure as the answer the account's outcome rules and the client's error read. */
export function proxyFailureAnswer(error: ProxyError): Response {
  const status = error.kind === "auth" ? 403 : 502;
  const message = `The account's egress proxy (${error.proxyType}) ${error.detail}`;
  return new Response(JSON.stringify({ error: { type: "proxy_error", message } }), {
    status,
    headers: { "content-type": "application/json", "x-edge-relay-proxy-error": error.kind },
  });
}

/**
 * Sends an upstream call of account `accountId` through its proxy. `timeoutMs`, the
 * time the upstream has for its headers, bounds the handshake to half of it (at most 10 s), so
 * that a silent proxy is a proxy failure the request fails over from, not the upstream's timeout.
 */
export async function fetchThroughAccountProxy(
  services: Services,
  accountId: string,
  accountProxy: AccountProxy,
  request: Request,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Response> {
  const proxy = await proxyOf(services, accountProxy, accountId);
  try {
    return await proxiedFetch(request, proxy, signal, {
      handshakeTimeoutMs: Math.min(HANDSHAKE_MS, timeoutMs / 2),
    });
  } catch (error) {
    if (error instanceof ProxyError) return proxyFailureAnswer(error);
    throw error;
  }
}
