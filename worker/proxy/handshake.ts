// The proxy handshakes that open a tunnel to the upstream: HTTP CONNECT (RFC 9110 §9.3.6, with
// Basic proxy authentication) and SOCKS5 (RFC 1928, username/password per RFC 1929). Each reads
// exactly the proxy's reply, so nothing of the tunnel's own bytes is taken.
import { type ProxyConfig, proxyLabel } from "./config.ts";
import type { ByteReader } from "./reader.ts";

/** What went wrong on the way through a proxy; `kind` decides how the account is judged. */
export type ProxyFailure =
  /** The proxy refused the credentials, or wants some the URL lacks. */
  | "auth"
  /** No connection to the proxy (refused, unreachable, a blocked address or port). */
  | "unreachable"
  /** The proxy did not complete its handshake in time. */
  | "timeout"
  /** The proxy refused to reach the upstream (SOCKS reply, CONNECT status). */
  | "refused-target"
  /** The proxy spoke something else than its protocol, or asked for what this client cannot do. */
  | "protocol";

export class ProxyError extends Error {
  readonly kind: ProxyFailure;
  /** What happened, without the proxy's address (for messages a relay client may read). */
  readonly detail: string;
  readonly proxyType: ProxyConfig["type"];

  constructor(kind: ProxyFailure, proxy: Pick<ProxyConfig, "type" | "host" | "port">, detail: string) {
    super(`Proxy ${proxyLabel(proxy)}: ${detail}`);
    this.kind = kind;
    this.detail = detail;
    this.proxyType = proxy.type;
  }
}

export interface Target {
  host: string;
  port: number;
}

type Writer = WritableStreamDefaultWriter<Uint8Array>;

const encoder = new TextEncoder();

function utf8Base64(text: string): string {
  let binary = "";
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const hostPort = (target: Target) =>
  `${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`;

/** HTTP CONNECT: on a 2xx the connection is the tunnel. */
export async function httpConnect(proxy: ProxyConfig, reader: ByteReader, writer: Writer, target: Target) {
  const authority = hostPort(target);
  let head = `CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n`;
  if (proxy.username !== undefined)
    head += `proxy-authorization: Basic ${utf8Base64(`${proxy.username}:${proxy.password ?? ""}`)}\r\n`;
  await writer.write(encoder.encode(`${head}\r\n`));
  const statusLine = await reader.readLine(8 * 1024);
  if (statusLine === null)
    throw new ProxyError("protocol", proxy, "closed the connection without answering CONNECT");
  const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!match) throw new ProxyError("protocol", proxy, "did not answer CONNECT in HTTP/1.1");
  for (;;) {
    const line = await reader.readLine(8 * 1024);
    if (line === null) throw new ProxyError("protocol", proxy, "closed the connection in its CONNECT answer");
    if (line === "") break;
  }
  const status = Number(match[1]);
  if (status === 407)
    throw new ProxyError(
      "auth",
      proxy,
      proxy.username === undefined
        ? "asks for credentials (407) and the proxy URL has none"
        : "refused the credentials (407 Proxy Authentication Required)",
    );
  if (status < 200 || status > 299)
    throw new ProxyError(
      "refused-target",
      proxy,
      `answered CONNECT ${authority} with ${status} ${match[2] ?? ""}`.trim(),
    );
}

const SOCKS_REPLIES: Record<number, string> = {
  1: "general SOCKS server failure",
  2: "connection not allowed by ruleset",
  3: "network unreachable",
  4: "host unreachable",
  5: "connection refused by the upstream",
  6: "TTL expired",
  7: "command not supported",
  8: "address type not supported",
};

/** The SOCKS5 address of the upstream: IPv4, IPv6 or a name the proxy resolves. */
function socksAddress(host: string): Uint8Array {
  const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (ipv4?.slice(1).every((part) => Number(part) <= 255))
    return Uint8Array.from([1, ...ipv4.slice(1).map(Number)]);
  if (host.includes(":")) return Uint8Array.from([4, ...ipv6Bytes(host)]);
  const name = encoder.encode(host);
  if (name.length > 255) throw new Error("an upstream host name over 255 bytes");
  return Uint8Array.from([3, name.length, ...name]);
}

function ipv6Bytes(host: string): number[] {
  const [head = "", tail] = host.split("::");
  const groups = (part: string) => (part ? part.split(":") : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length;
  const all = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right];
  if (all.length !== 8 || !all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)))
    throw new Error(`not an IPv6 address: ${host}`);
  return all.flatMap((g) => {
    const value = Number.parseInt(g, 16);
    return [value >> 8, value & 0xff];
  });
}

/** SOCKS5 CONNECT, offering no authentication and, with credentials, username/password. */
export async function socks5Connect(proxy: ProxyConfig, reader: ByteReader, writer: Writer, target: Target) {
  const hasCredentials = proxy.username !== undefined;
  await writer.write(Uint8Array.from(hasCredentials ? [5, 2, 0, 2] : [5, 1, 0]));
  const [version, method] = await reader.readExact(2);
  if (version !== 5) throw new ProxyError("protocol", proxy, "is not a SOCKS5 proxy");
  if (method === 0xff)
    throw new ProxyError(
      "auth",
      proxy,
      hasCredentials
        ? "accepts none of the offered methods (none, username/password)"
        : "asks for credentials and the proxy URL has none",
    );
  if (method === 2) {
    if (!hasCredentials)
      throw new ProxyError("auth", proxy, "asks for a user name and password and the proxy URL has none");
    const user = encoder.encode(proxy.username ?? "");
    const password = encoder.encode(proxy.password ?? "");
    await writer.write(Uint8Array.from([1, user.length, ...user, password.length, ...password]));
    const [, status] = await reader.readExact(2);
    if (status !== 0)
      throw new ProxyError("auth", proxy, "refused the credentials (SOCKS5 username/password)");
  } else if (method !== 0) {
    throw new ProxyError("protocol", proxy, `chose an authentication method this client lacks (${method})`);
  }
  await writer.write(
    Uint8Array.from([5, 1, 0, ...socksAddress(target.host), target.port >> 8, target.port & 0xff]),
  );
  const [replyVersion, reply, , addressType] = await reader.readExact(4);
  if (replyVersion !== 5)
    throw new ProxyError("protocol", proxy, "answered CONNECT with a bad SOCKS version");
  if (reply !== 0)
    throw new ProxyError(
      "refused-target",
      proxy,
      `could not reach ${hostPort(target)}: ${SOCKS_REPLIES[reply ?? 1] ?? `SOCKS reply ${reply}`}`,
    );
  // The bound address and port, not needed here: read so that the tunnel starts clean.
  const addressLength =
    addressType === 1
      ? 4
      : addressType === 4
        ? 16
        : addressType === 3
          ? ((await reader.readExact(1))[0] ?? 0)
          : -1;
  if (addressLength < 0) throw new ProxyError("protocol", proxy, "answered with an unknown address type");
  await reader.readExact(addressLength + 2);
}
