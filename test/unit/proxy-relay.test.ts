// Accounts that name an egress proxy (worker/proxy/): their upstream calls go through the local
// HTTP CONNECT and SOCKS5 proxies (dev/proxies.ts, started by global-setup.ts, with credentials)
// over cloudflare:sockets, with TLS to the upstream inside the tunnel checked against the test CA.
// The answers reach the client byte for byte as the upstream sent them; failover, parking,
// metering and error shapes are the direct path's.
import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { parseProxyUrl } from "../../worker/proxy/config.ts";
import { proxiedFetch } from "../../worker/proxy/fetch.ts";
import { ProxyError } from "../../worker/proxy/handshake.ts";
import {
  admin,
  BASE,
  createConsoleAccount,
  createKey,
  expectCutMessagesStream,
  freshKeyspace,
  keyUsageAfter,
  listAccounts,
  messages,
  upstreamUrl,
  waitFor,
} from "./helpers.ts";

const proxies = env as unknown as Record<
  | "TEST_CONNECT_PROXY_URL"
  | "TEST_SOCKS5_PROXY_URL"
  | "TEST_SILENT_PROXY_URL"
  | "TEST_TLS_UPSTREAM_URL"
  | "TEST_PROXY_STATS_URL"
  | "TEST_HTTPS_PROXY_URL",
  string
>;
const PROXIES = { connect: proxies.TEST_CONNECT_PROXY_URL, socks5: proxies.TEST_SOCKS5_PROXY_URL } as const;
type ProxyName = keyof typeof PROXIES | "silent";

interface ProxyStats {
  tunnels: number;
  open: number;
  maxOpen: number;
  refused: number;
  targets: string[];
  fromUpstream: string[];
}

const proxyStats = async (name: ProxyName) =>
  (await (await fetch(`${proxies.TEST_PROXY_STATS_URL}/${name}`)).json()) as ProxyStats;
const resetProxy = (name: ProxyName) =>
  fetch(`${proxies.TEST_PROXY_STATS_URL}/${name}/reset`, { method: "POST" });

/** The same proxy URL with another password. */
const wrongPassword = (url: string) => url.replace(/:[^:@/]+@/, ":not-the-password@");

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The body of a raw HTTP/1.1 answer as the upstream wrote it, chunked framing taken off (read independently of the client). */
function upstreamBody(raw: Uint8Array): Uint8Array {
  const text = Array.from(raw, (b) => String.fromCharCode(b)).join("");
  const split = text.indexOf("\r\n\r\n");
  const head = text.slice(0, split).toLowerCase();
  let rest = text.slice(split + 4);
  if (!head.includes("transfer-encoding: chunked")) return Uint8Array.from(rest, (c) => c.charCodeAt(0));
  let body = "";
  for (;;) {
    const lineEnd = rest.indexOf("\r\n");
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (size === 0) break;
    body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
  return Uint8Array.from(body, (c) => c.charCodeAt(0));
}

async function bytesOf(response: Response) {
  return new Uint8Array(await response.arrayBuffer());
}

describe("proxiedFetch: TLS to the upstream inside the tunnel", () => {
  for (const name of ["connect", "socks5"] as const) {
    it(`reaches an https upstream through the ${name} proxy, its certificate checked for the upstream's name`, async () => {
      const proxy = parseProxyUrl(PROXIES[name]);
      const response = await proxiedFetch(new Request(`${proxies.TEST_TLS_UPSTREAM_URL}/__stats`), proxy);
      expect(response.status).toBe(200);
      expect(await response.json()).toHaveProperty("requests");
      // The same TLS front under a name its certificate does not carry: refused, not sent.
      const wrongName = proxies.TEST_TLS_UPSTREAM_URL.replace("upstream.test", "other.test");
      await expect(proxiedFetch(new Request(`${wrongName}/__stats`), proxy)).rejects.toThrow();
    });
  }

  it("reaches an http upstream through an https:// proxy (TLS to the proxy, its certificate checked)", async () => {
    await resetProxy("connect");
    const proxy = parseProxyUrl(proxies.TEST_HTTPS_PROXY_URL);
    expect(proxy.type).toBe("https");
    const response = await proxiedFetch(new Request(`${upstreamUrl}/__stats`), proxy);
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty("requests");
    // The CONNECT proxy behind the TLS front carried it.
    expect((await proxyStats("connect")).tunnels).toBe(1);
  });

  it("refuses an https:// proxy for an https upstream, saying why (one TLS layer per connection)", async () => {
    const proxy = { ...parseProxyUrl(PROXIES.connect), type: "https" as const };
    const failure = await proxiedFetch(new Request("https://api.anthropic.com/v1/models"), proxy).catch(
      (e) => e,
    );
    expect(failure).toBeInstanceOf(ProxyError);
    expect(String(failure)).toMatch(/cannot carry TLS to an https upstream/);
  });
});

describe("accounts that name a proxy", () => {
  let token: string;
  beforeEach(async () => {
    token = await freshKeyspace();
    await resetProxy("connect");
    await resetProxy("socks5");
    await resetProxy("silent");
  });

  for (const name of ["connect", "socks5"] as const) {
    it(`relays JSON and SSE answers through the ${name} proxy byte for byte as the upstream sent them, and meters them`, async () => {
      await createConsoleAccount(token, "ok", { proxy: PROXIES[name] });
      const key = await createKey(token);

      const json = await messages(key.secret, {});
      expect(json.status).toBe(200);
      const jsonBytes = await bytesOf(json);
      const sse = await messages(key.secret, { stream: true });
      expect(sse.status).toBe(200);
      expect(sse.headers.get("content-type")).toContain("text/event-stream");
      const sseBytes = await bytesOf(sse);

      const stats = await proxyStats(name);
      expect(stats.tunnels).toBe(2);
      const [sentJson, sentSse] = stats.fromUpstream.map((raw) => upstreamBody(base64Bytes(raw)));
      expect(jsonBytes).toEqual(sentJson);
      expect(sseBytes).toEqual(sentSse);
      expect(new TextDecoder().decode(sseBytes)).toContain("event: message_stop");

      const usage = await keyUsageAfter(token, key.id, 2);
      expect(usage.requests).toBe(2);
      expect(usage.outputTokens).toBeGreaterThan(0);
    });
  }

  it("reaches an https upstream through the proxy (TLS inside the tunnel)", async () => {
    const account = await admin<{ account: { id: string } }>(token, "POST", "/accounts/claude-console", {
      name: "tls",
      apiKey: "sk-ant-tls-upstream",
      baseUrl: `${proxies.TEST_TLS_UPSTREAM_URL}/s/text-through%20tls`,
      proxy: PROXIES.socks5,
    });
    expect(account.status).toBe(201);
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ content: [{ text: "through tls" }] });
    expect((await proxyStats("socks5")).targets).toEqual([
      `upstream.test:${new URL(proxies.TEST_TLS_UPSTREAM_URL).port}`,
    ]);
  });

  it("keeps the proxy sealed: the admin API shows its type, host and port only, and it can be changed and removed", async () => {
    const id = await createConsoleAccount(token, "ok", { proxy: PROXIES.socks5 });
    const listed = await SELF.fetch(`${BASE}/admin/accounts`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await listed.text();
    const proxyUrl = new URL(PROXIES.socks5);
    expect(text).not.toContain(proxyUrl.password);
    expect(text).not.toContain("sealed");
    const [view] = (JSON.parse(text) as { accounts: { proxy: unknown }[] }).accounts;
    expect(view?.proxy).toEqual({ type: "socks5", host: "127.0.0.1", port: Number(proxyUrl.port) });

    const bad = await admin<{ error: { message: string } }>(token, "PATCH", `/accounts/${id}`, {
      proxy: "ftp://x:1",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/proxy/);

    const changed = await admin<{ account: { proxy: unknown } }>(token, "PATCH", `/accounts/${id}`, {
      proxy: PROXIES.connect,
    });
    expect(changed.body.account.proxy).toMatchObject({
      type: "http",
      port: Number(new URL(PROXIES.connect).port),
    });
    const key = await createKey(token);
    expect((await messages(key.secret, {})).status).toBe(200);
    expect((await proxyStats("connect")).tunnels).toBe(1);

    const removed = await admin<{ account: { proxy: unknown } }>(token, "PATCH", `/accounts/${id}`, {
      proxy: null,
    });
    expect(removed.body.account.proxy).toBeNull();
    expect((await messages(key.secret, {})).status).toBe(200);
    expect((await proxyStats("connect")).tunnels).toBe(1);
  });

  it("ends a stream the upstream cut with the protocol's error event, as on the direct path", async () => {
    await createConsoleAccount(token, "reset-mid-stream", { proxy: PROXIES.connect });
    const key = await createKey(token);
    await expectCutMessagesStream(await messages(key.secret, { stream: true }));
    // Metered on what arrived, as the direct path does.
    expect((await keyUsageAfter(token, key.id, 1)).requests).toBe(1);
  });

  it("parks an account whose proxy refuses the credentials as unauthorized and fails over", async () => {
    const refused = await createConsoleAccount(token, "ok", {
      proxy: wrongPassword(PROXIES.socks5),
      priority: 1,
    });
    await createConsoleAccount(token, "ok", { priority: 2 });
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(200);
    await response.text();
    expect((await proxyStats("socks5")).refused).toBe(1);
    expect((await listAccounts(token)).find((a) => a.id === refused)?.health.status).toBe("unauthorized");
  });

  it("answers 503 in the client's shape naming the proxy's refusal when no account is left", async () => {
    const refused = await createConsoleAccount(token, "ok", { proxy: wrongPassword(PROXIES.connect) });
    const key = await createKey(token);
    const response = await messages(key.secret, {});
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(body).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect(body.error.message).toMatch(
      /answered 403; the last said: The account's egress proxy \(http\) refused the credentials/,
    );
    // Never the proxy's address or password to a relay client.
    expect(body.error.message).not.toContain(new URL(PROXIES.connect).port);

    const chat = await SELF.fetch(`${BASE}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(chat.status).toBe(503);
    expect(await chat.json()).toMatchObject({
      error: { message: expect.any(String), type: expect.any(String) },
    });

    // The admin API says why: the account is parked unauthorized, and the recent errors quote the proxy.
    expect((await listAccounts(token)).find((a) => a.id === refused)?.health.status).toBe("unauthorized");
    type Recent = { accountId?: string; message: string }[];
    const recent = await waitFor(
      async () => (await admin<{ errors: Recent }>(token, "GET", "/errors/recent")).body.errors,
      (errors) => errors.some((e) => e.message.includes("egress proxy")),
    );
    expect(recent.find((e) => e.message.includes("egress proxy"))).toMatchObject({
      accountId: refused,
      message: expect.stringContaining("The account's egress proxy (http) refused the credentials"),
    });
  });

  it("fails over from a proxy that does not answer within half the upstream timeout, and parks it after repeats", async () => {
    const silent = await createConsoleAccount(token, "ok", {
      proxy: proxies.TEST_SILENT_PROXY_URL,
      priority: 1,
    });
    await createConsoleAccount(token, "ok", { priority: 2 });
    const key = await createKey(token);
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      // A new conversation each time: no sticky session skips the silent account.
      const response = await messages(key.secret, { messages: [{ role: "user", content: `Hi ${i}` }] });
      expect(response.status).toBe(200);
      await response.text();
      // UPSTREAM_TIMEOUT_SECONDS is 2 in the tests: the handshake had 1 s.
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    }
    // Three server errors within five minutes park it, as an unreachable upstream would be.
    expect((await listAccounts(token)).find((a) => a.id === silent)?.health.status).toBe("error");
    // No connection to the silent proxy is left open.
    const stats = await waitFor(
      () => proxyStats("silent"),
      (s) => s.open === 0,
    );
    expect(stats).toMatchObject({ tunnels: 3, open: 0 });
  }, 20_000);

  it("tests the connection through the proxy, naming a proxy's failure", async () => {
    const good = await createConsoleAccount(token, "ok", { proxy: PROXIES.socks5 });
    const refused = await createConsoleAccount(token, "ok", { proxy: wrongPassword(PROXIES.socks5) });
    const ok = await admin<{ ok: boolean; status: number }>(token, "POST", `/accounts/${good}/test`);
    expect(ok.body).toMatchObject({ ok: true, status: 200 });
    const failed = await admin<{ ok: boolean; status: number; message: string }>(
      token,
      "POST",
      `/accounts/${refused}/test`,
    );
    expect(failed.body).toMatchObject({ ok: false, status: 403 });
    expect(failed.body.message).toBe(
      "The account's egress proxy (socks5) refused the credentials (SOCKS5 username/password)",
    );
    expect((await proxyStats("socks5")).tunnels).toBe(1);
  });

  it("carries parallel streams through one proxy, each whole", async () => {
    // 25 at once through the whole relay: with the tests' 2 s upstream timeout a saturated test
    // isolate (100 requests' own work) leaves a proxied call too little time; 100 through the
    // proxy client itself are below.
    await createConsoleAccount(token, "ok", { proxy: PROXIES.connect });
    const key = await createKey(token);
    const texts = await Promise.all(
      Array.from({ length: 25 }, async () => {
        const response = await messages(key.secret, { stream: true });
        return { status: response.status, text: await response.text() };
      }),
    );
    for (const { status, text } of texts) {
      expect(status).toBe(200);
      expect(text).toMatch(/^event: message_start/);
      expect(text.trimEnd()).toMatch(/event: message_stop\ndata: .*\}$/);
    }
    const stats = await proxyStats("connect");
    expect(stats.tunnels).toBe(25);
    expect(stats.maxOpen).toBeGreaterThan(1);
    expect((await keyUsageAfter(token, key.id, 25)).requests).toBe(25);
  }, 60_000);

  it("carries 100 parallel SSE streams through one proxy at once, each byte for byte", async () => {
    const proxy = parseProxyUrl(PROXIES.socks5);
    const body = JSON.stringify({
      model: "claude-sonnet-4-5",
      max_tokens: 50,
      stream: true,
      messages: [{ role: "user", content: "Hi" }],
    });
    const answers = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const request = new Request(`${upstreamUrl}/s/ok/v1/messages`, {
          method: "POST",
          headers: {
            "x-api-key": `sk-ant-parallel-${i}`,
            "content-type": "application/json",
            "anthropic-version": "2023-06-01",
          },
          body,
        });
        const response = await proxiedFetch(request, proxy);
        return { status: response.status, bytes: await bytesOf(response) };
      }),
    );
    const stats = await proxyStats("socks5");
    expect(stats.tunnels).toBe(100);
    expect(stats.maxOpen).toBeGreaterThan(50);
    // Every tunnel closed once its answer was read.
    expect(stats.open).toBe(0);
    const sent = stats.fromUpstream.map((raw) => new TextDecoder().decode(upstreamBody(base64Bytes(raw))));
    for (const { status, bytes } of answers) {
      expect(status).toBe(200);
      const text = new TextDecoder().decode(bytes);
      expect(text.trimEnd()).toMatch(/event: message_stop\ndata: .*\}$/);
    }
    // The last 20 tunnels' bytes are kept: each is one client's answer exactly.
    const received = new Set(answers.map(({ bytes }) => new TextDecoder().decode(bytes)));
    for (const answer of sent) expect(received.has(answer)).toBe(true);
  }, 60_000);

  it("sends an account without a proxy directly", async () => {
    await createConsoleAccount(token, "ok");
    const key = await createKey(token);
    expect((await messages(key.secret, {})).status).toBe(200);
    expect((await proxyStats("connect")).tunnels + (await proxyStats("socks5")).tunnels).toBe(0);
    expect(upstreamUrl).toMatch(/^http:/);
  });
});
