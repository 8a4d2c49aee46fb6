// An account's egress proxy at rest and in the admin view: where in clear, the whole URL sealed.
// Free of cloudflare:sockets, so that Node code (the CRS importer) seals proxies too.
import { type SealingKey, seal } from "../keyspace/crypto.ts";
import type { AccountProxy } from "../keyspace/records/accounts.ts";
import { parseProxyUrl, proxyUrl } from "./config.ts";

/** A proxy URL as an account stores it. */
export async function sealProxy(sealingKey: SealingKey, url: string): Promise<AccountProxy> {
  const proxy = parseProxyUrl(url);
  return {
    type: proxy.type,
    host: proxy.host,
    port: proxy.port,
    sealed: await seal(sealingKey, proxyUrl(proxy)),
  };
}

/** What the admin API shows of it: where, never who. */
export function proxyView(proxy: AccountProxy | undefined) {
  return proxy ? { type: proxy.type, host: proxy.host, port: proxy.port } : null;
}
