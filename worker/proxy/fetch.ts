// fetch() through an egress proxy: a TCP connection to the proxy (`cloudflare:sockets`), its
// handshake (HTTP CONNECT or SOCKS5), TLS to the upstream inside the tunnel (`startTls()`), then
// one HTTP/1.1 exchange whose answer streams back as it arrives.
import type { connect as Connect } from "cloudflare:sockets";
import type { ProxyConfig } from "./config.ts";
import { httpConnect, ProxyError, socks5Connect, type Target } from "./handshake.ts";
import { decoded, readResponseHead, requestBytes, responseBody } from "./http1.ts";
import { ByteReader } from "./reader.ts";

/** Connecting to the proxy and its handshake, unless the caller says otherwise. */
const DEFAULT_HANDSHAKE_MS = 10_000;

export interface ProxiedFetchOptions {
  /** How long the connection to the proxy and its handshake may take. */
  handshakeTimeoutMs?: number;
}

type Socket = ReturnType<typeof Connect>;

/**
 * `cloudflare:sockets`, loaded on the first proxied call: Node code that imports the admin API
 * (its OpenAPI types, the CLI's tests) never loads a module only workerd has.
 */
let sockets: Promise<{ connect: typeof Connect }> | undefined;
const socketsModule = () => {
  sockets ??= import("cloudflare:sockets");
  return sockets;
};

interface Channel {
  socket: Socket;
  reader: ByteReader;
  writer: WritableStreamDefaultWriter<Uint8Array>;
}

function channel(socket: Socket): Channel {
  return {
    socket,
    reader: new ByteReader(socket.readable.getReader() as ReadableStreamDefaultReader<Uint8Array>),
    writer: socket.writable.getWriter() as WritableStreamDefaultWriter<Uint8Array>,
  };
}

function targetOf(url: URL): Target {
  const secure = url.protocol === "https:";
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : secure ? 443 : 80,
  };
}

/** Rejects with `onTimeout()` after `ms`, or with the signal's reason when it aborts first. */
function deadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error, signal?: AbortSignal): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    if (signal) {
      onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
    }
  });
  return Promise.race([work, stop]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  });
}

/** Opens the tunnel: TCP (TLS for an https:// proxy) to the proxy, then its handshake. */
async function openTunnel(
  proxy: ProxyConfig,
  target: Target,
  upgradeLater: boolean,
  opened: (socket: Socket) => void,
): Promise<Channel> {
  const { connect } = await socketsModule();
  let socket: Socket;
  try {
    socket = connect(
      { hostname: proxy.host, port: proxy.port },
      {
        secureTransport: proxy.type === "https" ? "on" : upgradeLater ? "starttls" : "off",
        allowHalfOpen: false,
      },
    );
    // A connection that drops is seen by the reads and writes; this promise's rejection is not news.
    socket.closed.catch(() => {});
    opened(socket);
    await socket.opened;
  } catch (error) {
    throw new ProxyError(
      "unreachable",
      proxy,
      `no connection (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const open = channel(socket);
  try {
    if (proxy.type === "socks5") await socks5Connect(proxy, open.reader, open.writer, target);
    else await httpConnect(proxy, open.reader, open.writer, target);
  } catch (error) {
    socket.close().catch(() => {});
    if (error instanceof ProxyError) throw error;
    throw new ProxyError(
      "protocol",
      proxy,
      `the handshake broke off (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return open;
}

/**
 * Sends `request` through `proxy` and resolves with the upstream's answer once its headers are
 * in; its body streams from the connection, which closes when the body ends or is cancelled.
 * Rejects with a ProxyError for the proxy's failures, with the signal's reason when it aborts
 * (the connection is closed then), and with the network's error for the upstream's own.
 */
export async function proxiedFetch(
  request: Request,
  proxy: ProxyConfig,
  signal?: AbortSignal,
  options: ProxiedFetchOptions = {},
): Promise<Response> {
  signal?.throwIfAborted();
  const url = new URL(request.url);
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") throw new TypeError(`cannot send ${url.protocol} through a proxy`);
  if (secure && proxy.type === "https")
    throw new ProxyError(
      "protocol",
      proxy,
      "an https:// proxy cannot carry TLS to an https upstream on Workers (connect() gives one TLS layer per connection): name it http:// (CONNECT in clear to the proxy) or socks5://",
    );
  const bytes = await requestBytes(request, url);
  const target = targetOf(url);
  const handshakeMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_MS;
  let pending: Socket | undefined;
  let open = await deadline(
    openTunnel(proxy, target, secure, (socket) => {
      pending = socket;
    }),
    handshakeMs,
    () => new ProxyError("timeout", proxy, `did not complete its handshake within ${handshakeMs / 1000} s`),
    signal,
  ).catch((error) => {
    // A handshake still waiting on the proxy is not left behind: its reads end with the socket.
    pending?.close().catch(() => {});
    throw error;
  });
  const close = () => {
    open.socket.close().catch(() => {});
  };
  const onAbort = () => close();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (open.reader.pending > 0)
      throw new ProxyError("protocol", proxy, "sent bytes before the tunnel was used");
    if (secure) {
      open.reader.release();
      open.writer.releaseLock();
      open = channel(open.socket.startTls({ expectedServerHostname: target.host }));
      open.socket.closed.catch(() => {});
    }
    await open.writer.write(bytes);
    const head = await readResponseHead(open.reader);
    const headers = head.headers;
    const body = responseBody(open.reader, head, request.method, close);
    return new Response(body ? decoded(body, headers) : null, {
      status: head.status,
      statusText: head.statusText,
      headers,
    });
  } catch (error) {
    close();
    if (signal?.aborted) throw signal.reason;
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
