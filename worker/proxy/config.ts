// An egress proxy as an account names it: `socks5://user:pass@host:port`, `http://…` or
// `https://…` (HTTP CONNECT, the latter over TLS to the proxy). Parsed once, validated with zod.
import { z } from "zod";

export const PROXY_TYPES = ["http", "https", "socks5"] as const;
export type ProxyType = (typeof PROXY_TYPES)[number];

export interface ProxyConfig {
  type: ProxyType;
  /** A name, an IPv4 address or an IPv6 address without brackets. */
  host: string;
  port: number;
  username?: string;
  password?: string;
}

const DEFAULT_PORTS: Record<ProxyType, number> = { http: 80, https: 443, socks5: 1080 };

/** `socks5h` is the same here: the proxy always resolves the upstream's name. */
const SCHEMES: Record<string, ProxyType> = {
  "http:": "http",
  "https:": "https",
  "socks5:": "socks5",
  "socks5h:": "socks5",
};

/** Parses a proxy URL; the error names what is wrong, never the password. */
export function parseProxyUrl(text: string): ProxyConfig {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error("not a URL (expected socks5://user:pass@host:port, http://… or https://…)");
  }
  const type = SCHEMES[url.protocol];
  if (!type) throw new Error(`unsupported proxy scheme ${url.protocol} (socks5, http or https)`);
  if (!url.hostname) throw new Error("the proxy URL has no host");
  if ((url.pathname && url.pathname !== "/") || url.search || url.hash)
    throw new Error("a proxy URL is scheme://[user:pass@]host:port, with no path");
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (type === "socks5" && (username.length > 255 || password.length > 255))
    throw new Error("SOCKS5 user names and passwords are at most 255 bytes");
  return {
    type,
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : DEFAULT_PORTS[type],
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
  };
}

/** The proxy URL again (credentials included): what is sealed at rest. */
export function proxyUrl(proxy: ProxyConfig): string {
  const host = proxy.host.includes(":") ? `[${proxy.host}]` : proxy.host;
  const auth =
    proxy.username !== undefined
      ? `${encodeURIComponent(proxy.username)}${proxy.password !== undefined ? `:${encodeURIComponent(proxy.password)}` : ""}@`
      : "";
  return `${proxy.type}://${auth}${host}:${proxy.port}`;
}

/** How logs and errors name a proxy: never its credentials. */
export function proxyLabel(proxy: Pick<ProxyConfig, "type" | "host" | "port">): string {
  const host = proxy.host.includes(":") ? `[${proxy.host}]` : proxy.host;
  return `${proxy.type}://${host}:${proxy.port}`;
}

/** A proxy URL as the admin API takes it, validated by parsing ("": none). */
export const proxyUrlSchema = z
  .string()
  .max(2000)
  .superRefine((text, ctx) => {
    if (text === "") return;
    try {
      parseProxyUrl(text);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : "invalid proxy URL" });
    }
  });
