// Local egress proxies for tests: an HTTP CONNECT proxy and a SOCKS5 proxy (RFC 1928, username/
// password per RFC 1929), both requiring credentials; a proxy that accepts connections and never
// answers; and a TLS front (the test CA's certificate for upstream.test only) before a plain
// HTTP server, so a Worker can reach an https:// upstream through a tunnel and check its TLS.
import { readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { LOOPBACK } from "./process.ts";

export interface ProxyStats {
  /** Tunnels opened (after the handshake succeeded). */
  tunnels: number;
  /** Tunnels open now, and the most at once. */
  open: number;
  maxOpen: number;
  /** Handshakes refused for their credentials. */
  refused: number;
  /** The targets asked for, `host:port`. */
  targets: string[];
  /** What the upstream sent through the last tunnels (base64, newest last): byte comparisons. */
  fromUpstream: string[];
}

export interface LocalProxy {
  port: number;
  /** The proxy's URL with these credentials (the right ones when left out). */
  url(username?: string, password?: string): string;
  stats(): ProxyStats;
  reset(): void;
  close(): Promise<void>;
}

export interface ProxyOptions {
  port?: number;
  username: string;
  password: string;
}

/** Test names (`*.test`, RFC 2606) resolve to loopback here, as a proxy's own DNS would resolve them. */
const resolved = (host: string) => (host.endsWith(".test") ? LOOPBACK : host);

const newStats = (): ProxyStats => ({
  tunnels: 0,
  open: 0,
  maxOpen: 0,
  refused: 0,
  targets: [],
  fromUpstream: [],
});
/** How many tunnels' upstream bytes are kept, and how many bytes of each. */
const KEPT_TUNNELS = 20;
const KEPT_BYTES = 1 << 20;

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Closes the server and every connection it still holds. */
function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

function tracked(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  return sockets;
}

/** Pipes the client to the upstream both ways; counts the tunnel while it is open. */
function tunnel(client: Socket, upstream: Socket, stats: ProxyStats, first?: Buffer) {
  stats.tunnels++;
  stats.open++;
  stats.maxOpen = Math.max(stats.maxOpen, stats.open);
  let closed = false;
  const received: Buffer[] = [];
  let receivedBytes = 0;
  upstream.on("data", (data: Buffer) => {
    if (receivedBytes < KEPT_BYTES) received.push(data);
    receivedBytes += data.length;
  });
  const done = () => {
    if (closed) return;
    closed = true;
    stats.open--;
    stats.fromUpstream.push(Buffer.concat(received).toString("base64"));
    if (stats.fromUpstream.length > KEPT_TUNNELS) stats.fromUpstream.shift();
    client.destroy();
    upstream.destroy();
  };
  upstream.on("error", done);
  client.on("error", done);
  upstream.on("close", done);
  client.on("close", done);
  if (first && first.length > 0) upstream.write(first);
  client.pipe(upstream);
  upstream.pipe(client);
}

function proxy(
  type: string,
  port: number,
  options: ProxyOptions,
  stats: () => ProxyStats,
  reset: () => void,
  close: () => Promise<void>,
): LocalProxy {
  return {
    port,
    url: (username = options.username, password = options.password) =>
      `${type}://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${LOOPBACK}:${port}`,
    stats,
    reset,
    close,
  };
}

/** An HTTP proxy that takes CONNECT with `proxy-authorization: Basic` (407 otherwise). */
export async function startConnectProxy(options: ProxyOptions): Promise<LocalProxy> {
  let stats = newStats();
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;
  const server = createHttpServer((_req, res) => {
    res.writeHead(405, { "content-type": "text/plain" }).end("CONNECT only\n");
  });
  const sockets = tracked(server);
  server.on("connect", (req, client: Socket, head: Buffer) => {
    if (req.headers["proxy-authorization"] !== expected) {
      stats.refused++;
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm="test"\r\ncontent-length: 0\r\n\r\n',
      );
      return;
    }
    const [, host = "", port = ""] = /^\[?([^\]]*)\]?:(\d+)$/.exec(req.url ?? "") ?? [];
    stats.targets.push(`${host}:${port}`);
    const upstream = connect(Number(port), resolved(host), () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      tunnel(client, upstream, stats, head);
    });
    upstream.once("error", () => client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n"));
  });
  const port = await listen(server, options.port);
  return proxy(
    "http",
    port,
    options,
    () => stats,
    () => (stats = newStats()),
    closer(server, sockets),
  );
}

/** Reads a socket by exact byte counts (for a handshake), then hands over what is left. */
function byteReader(socket: Socket) {
  let buffered = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let ended = false;
  const onData = (data: Buffer) => {
    buffered = Buffer.concat([buffered, data]);
    wake?.();
  };
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  socket.on("data", onData);
  socket.on("close", onEnd);
  return {
    async read(length: number): Promise<Buffer> {
      while (buffered.length < length) {
        if (ended) throw new Error("closed during the handshake");
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      const out = buffered.subarray(0, length);
      buffered = buffered.subarray(length);
      return out;
    },
    detach(): Buffer {
      socket.off("data", onData);
      socket.off("close", onEnd);
      socket.pause();
      return buffered;
    },
  };
}

/** A SOCKS5 proxy that requires username/password (method 2) and serves CONNECT. */
export async function startSocks5Proxy(options: ProxyOptions): Promise<LocalProxy> {
  let stats = newStats();
  const server = createServer();
  const sockets = tracked(server);
  server.on("connection", async (client: Socket) => {
    const reader = byteReader(client);
    try {
      const [version, count = 0] = await reader.read(2);
      const methods = [...(await reader.read(count))];
      if (version !== 5 || !methods.includes(2)) {
        client.end(Buffer.from([5, 0xff]));
        return;
      }
      client.write(Buffer.from([5, 2]));
      const [, userLength = 0] = await reader.read(2);
      const user = (await reader.read(userLength)).toString();
      const [passwordLength = 0] = await reader.read(1);
      const password = (await reader.read(passwordLength)).toString();
      if (user !== options.username || password !== options.password) {
        stats.refused++;
        client.end(Buffer.from([1, 1]));
        return;
      }
      client.write(Buffer.from([1, 0]));
      const [, command, , addressType] = await reader.read(4);
      let host: string;
      if (addressType === 1) host = [...(await reader.read(4))].join(".");
      else if (addressType === 3) host = (await reader.read((await reader.read(1))[0] ?? 0)).toString();
      else if (addressType === 4) {
        const bytes = await reader.read(16);
        host = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(":");
      } else throw new Error("bad address type");
      const port = (await reader.read(2)).readUInt16BE(0);
      const reply = (code: number) => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
      if (command !== 1) {
        client.end(reply(7));
        return;
      }
      stats.targets.push(`${host}:${port}`);
      const upstream = connect(port, resolved(host), () => {
        client.write(reply(0));
        const rest = reader.detach();
        tunnel(client, upstream, stats, rest);
        client.resume();
      });
      upstream.once("error", () => client.end(reply(5)));
    } catch {
      client.destroy();
    }
  });
  const port = await listen(server, options.port);
  return proxy(
    "socks5",
    port,
    options,
    () => stats,
    () => (stats = newStats()),
    closer(server, sockets),
  );
}

/** Accepts connections and never says a word: a proxy that does not answer. */
export async function startSilentProxy(options: { port?: number } = {}): Promise<LocalProxy> {
  let stats = newStats();
  const server = createServer((socket) => {
    stats.tunnels++;
    stats.open++;
    stats.maxOpen = Math.max(stats.maxOpen, stats.open);
    socket.on("close", () => stats.open--);
    // Reads (and drops) what comes, so that the client's close is seen.
    socket.resume();
  });
  const sockets = tracked(server);
  const port = await listen(server, options.port);
  return proxy(
    "socks5",
    port,
    { username: "nobody", password: "nothing" },
    () => stats,
    () => (stats = newStats()),
    closer(server, sockets),
  );
}

const TLS_DIR = new URL("./test-tls/", import.meta.url);
/** The test CA that signed the TLS front's certificate (for upstream.test, which the proxies resolve to loopback). */
export const TEST_CA_FILE = new URL("ca.pem", TLS_DIR).pathname;

export interface TlsFront {
  port: number;
  close(): Promise<void>;
}

/**
 * TLS on `port`, each connection relayed in clear to 127.0.0.1:`targetPort`. Its certificate
 * (the test CA's) names `upstream.test` (an upstream reached through a proxy), or with
 * `certificate: "proxy"` 127.0.0.1 (an https:// proxy in front of a CONNECT proxy).
 */
export async function startTlsFront(options: {
  targetPort: number;
  port?: number;
  certificate?: "upstream" | "proxy";
}): Promise<TlsFront> {
  const name = options.certificate ?? "upstream";
  const server = createTlsServer({
    key: readFileSync(new URL(`${name}.key`, TLS_DIR)),
    cert: readFileSync(new URL(`${name}.pem`, TLS_DIR)),
  });
  const sockets = new Set<Socket>();
  server.on("secureConnection", (client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    tunnel(client, connect(options.targetPort, LOOPBACK), newStats());
  });
  server.on("tlsClientError", () => {});
  const port = await listen(server, options.port);
  return { port, close: closer(server, sockets) };
}

/** `GET /<name>`: that proxy's stats as JSON; `POST /<name>/reset` clears them. For workerd tests. */
export async function startProxyStatsServer(proxies: Record<string, LocalProxy>, port?: number) {
  const server = createHttpServer((req, res) => {
    const [, name = "", action] = (req.url ?? "").split("/");
    const proxy = proxies[name];
    if (!proxy) return void res.writeHead(404).end();
    if (req.method === "POST" && action === "reset") proxy.reset();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(proxy.stats()));
  });
  const sockets = tracked(server);
  const bound = await listen(server, port);
  return { port: bound, close: closer(server, sockets) };
}
