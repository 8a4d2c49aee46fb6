// Accounts with an egress proxy on the running Worker (wrangler dev): local HTTP CONNECT and
// SOCKS5 proxies with credentials (dev/proxies.ts) before the fake upstream, and before a TLS
// front whose certificate the test CA signed (wrangler's workerd trusts it through
// NODE_EXTRA_CA_CERTS). The Anthropic SDK reads the answers; 100 streams run through one proxy at
// once; refused credentials park the account; the operator CLI tests the connection through it.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import {
  type LocalProxy,
  startConnectProxy,
  startSocks5Proxy,
  startTlsFront,
  TEST_CA_FILE,
  type TlsFront,
} from "../../dev/proxies.ts";
import { adminCall, adminToken, operatorCli } from "./harness/relay.ts";
import { startTestStack, type TestStack } from "./harness/stack.ts";

const CREDENTIALS = { username: "e2e-proxy-user", password: "e2e-proxy-pass-4711" };

let upstream: FakeUpstream;
let tls: TlsFront;
let connectProxy: LocalProxy;
let socks5Proxy: LocalProxy;
let stack: TestStack;
let token: string;

interface AccountView {
  id: string;
  proxy: { type: string; host: string; port: number } | null;
  health: { status: string };
}

async function account(name: string, baseUrl: string, proxy: string | undefined, priority = 50) {
  const created = await adminCall<{ account: AccountView }>(
    stack,
    token,
    "POST",
    "/accounts/claude-console",
    {
      name,
      apiKey: `sk-ant-${name}`,
      baseUrl,
      priority,
      shared: false,
      ...(proxy ? { proxy } : {}),
    },
  );
  return created.account.id;
}

/** A key bound to one account, so that each test's requests go only where it says. */
async function keyFor(accountId: string): Promise<Anthropic> {
  const { secret } = await adminCall<{ secret: string }>(stack, token, "POST", "/keys", {
    name: `proxy-${accountId.slice(0, 8)}`,
    boundAccounts: { claude: accountId },
  });
  return new Anthropic({ apiKey: secret, baseURL: `${stack.relayUrl}/api`, maxRetries: 0 });
}

beforeAll(async () => {
  process.env.NODE_EXTRA_CA_CERTS = TEST_CA_FILE;
  upstream = await startFakeUpstream();
  tls = await startTlsFront({ targetPort: upstream.port });
  connectProxy = await startConnectProxy(CREDENTIALS);
  socks5Proxy = await startSocks5Proxy(CREDENTIALS);
  stack = await startTestStack();
  token = await adminToken(stack);
});

afterAll(async () => {
  await stack?.stop();
  await connectProxy?.close();
  await socks5Proxy?.close();
  await tls?.close();
  await upstream?.close();
});

describe("accounts with an egress proxy on the running Worker", () => {
  it("serves JSON and streams through the CONNECT and the SOCKS5 proxy, over TLS to the upstream", async () => {
    for (const proxy of [connectProxy, socks5Proxy]) {
      const id = await account(
        `tls-${proxy.port}`,
        `https://upstream.test:${tls.port}/s/text-via%20proxy`,
        proxy.url(),
      );
      const client = await keyFor(id);
      const message = await client.messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 20,
        messages: [{ role: "user", content: "Hi" }],
      });
      expect(message.content[0]).toMatchObject({ type: "text", text: "via proxy" });
      const stream = client.messages.stream({
        model: "claude-sonnet-4-5",
        max_tokens: 20,
        messages: [{ role: "user", content: "Hi" }],
      });
      const final = await stream.finalMessage();
      expect(final.content[0]).toMatchObject({ type: "text", text: "via proxy" });
      expect(proxy.stats().tunnels).toBe(2);
      expect(proxy.stats().targets.every((t) => t === `upstream.test:${tls.port}`)).toBe(true);
    }
  });

  it("carries 100 parallel streams through one proxy, each whole", async () => {
    connectProxy.reset();
    const id = await account("parallel", `${upstream.url}/s/ok`, connectProxy.url());
    const client = await keyFor(id);
    const finals = await Promise.all(
      Array.from({ length: 100 }, () =>
        client.messages
          .stream({ model: "claude-sonnet-4-5", max_tokens: 20, messages: [{ role: "user", content: "Hi" }] })
          .finalMessage(),
      ),
    );
    for (const final of finals) expect(final.stop_reason).toBe("end_turn");
    const stats = connectProxy.stats();
    expect(stats.tunnels).toBe(100);
    expect(stats.maxOpen).toBeGreaterThan(1);
  }, 180_000);

  it("parks an account whose proxy refuses the credentials and names the refusal; the CLI's test says so", async () => {
    const refused = await account(
      "refused",
      `${upstream.url}/s/ok`,
      socks5Proxy.url(CREDENTIALS.username, "wrong"),
    );
    const client = await keyFor(refused);
    const failure = await client.messages
      .create({ model: "claude-sonnet-4-5", max_tokens: 20, messages: [{ role: "user", content: "Hi" }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).status).toBe(503);
    expect(String((failure as Error).message)).toContain("egress proxy (socks5) refused the credentials");
    const { accounts } = await adminCall<{ accounts: AccountView[] }>(stack, token, "GET", "/accounts");
    expect(accounts.find((a) => a.id === refused)?.health.status).toBe("unauthorized");

    const tested = await operatorCli(stack, ["accounts", "test", refused]);
    expect(tested.code).toBe(1);
    expect(tested.stdout).toContain("refused the credentials");
    expect(tested.stdout + tested.stderr).not.toContain(CREDENTIALS.password);
    expect(stack.wranglerLog()).not.toContain(CREDENTIALS.password);
  });
});
