// Odd transport input at the HTTP level of the running Worker (wrangler dev), where SELF.fetch in
// the unit tests cannot reach: raw bytes that are not UTF-8 in header values and in the query,
// oversized headers, a thousand headers. Sent over a plain socket, byte for byte. The relay
// answers each with a 4xx (or serves it), never a 5xx, and never echoes the key.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import { adminCall, adminToken } from "./harness/relay.ts";
import { startTestStack, type TestStack } from "./harness/stack.ts";

let stack: TestStack;
let upstream: FakeUpstream;
let secret: string;

interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

const BODY = JSON.stringify({
  model: "claude-sonnet-4-5",
  max_tokens: 20,
  messages: [{ role: "user", content: "Hi" }],
});

/** One HTTP/1.1 request written as given bytes; the answer read until the server closes. */
function raw(target: Buffer | string, headers: Array<[string, Buffer | string]>): Promise<RawAnswer> {
  const url = new URL(stack.relayUrl);
  const body = Buffer.from(BODY);
  const lines: Buffer[] = [
    Buffer.concat([Buffer.from("POST "), Buffer.from(target), Buffer.from(" HTTP/1.1\r\n")]),
    Buffer.from(`host: ${url.host}\r\nconnection: close\r\ncontent-type: application/json\r\n`),
    Buffer.from(`content-length: ${body.length}\r\n`),
    ...headers.map(([name, value]) =>
      Buffer.concat([Buffer.from(`${name}: `), Buffer.from(value), Buffer.from("\r\n")]),
    ),
    Buffer.from("\r\n"),
    body,
  ];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(30_000, () => socket.destroy(new Error("no answer within 30 s")));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const head = split === -1 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: split === -1 ? "" : text.slice(split + 4) });
    });
    socket.end(Buffer.concat(lines));
  });
}

const notUtf8 = Buffer.from([0x63, 0x72, 0x5f, 0xff, 0xfe, 0xc3, 0x28, 0x80, 0xed, 0xa0, 0x80]);

beforeAll(async () => {
  upstream = await startFakeUpstream();
  stack = await startTestStack();
  const token = await adminToken(stack);
  await adminCall(stack, token, "POST", "/accounts/claude-console", {
    name: "c",
    apiKey: "sk-e2e",
    baseUrl: upstream.url,
  });
  secret = (await adminCall<{ secret: string }>(stack, token, "POST", "/keys", { name: "transport" })).secret;
});

afterAll(async () => {
  await stack?.stop();
  await upstream?.close();
});

describe("raw HTTP input at the running Worker", () => {
  it("serves a normal request over the raw socket (the harness itself works)", async () => {
    const answer = await raw("/api/v1/messages", [["x-api-key", secret]]);
    expect(answer.status, answer.head).toBe(200);
  });

  it("bytes that are not UTF-8 in a key header or in ?key=: 401 in Anthropic's shape", async () => {
    for (const name of ["x-api-key", "authorization", "x-goog-api-key", "api-key"]) {
      const value = name === "authorization" ? Buffer.concat([Buffer.from("Bearer "), notUtf8]) : notUtf8;
      const answer = await raw("/api/v1/messages", [[name, value]]);
      expect(answer.status, `${name}: ${answer.head}`).toBe(401);
      expect((JSON.parse(answer.body) as { type: string }).type).toBe("error");
    }
    // workerd itself refuses such a request line (400 "invalid URI") before the Worker sees it.
    const query = await raw(Buffer.concat([Buffer.from("/api/v1/messages?key="), notUtf8]), []);
    expect(query.status, query.head).toBeGreaterThanOrEqual(400);
    expect(query.status, query.head).toBeLessThan(500);
  });

  it("bytes that are not UTF-8 in other headers of a good request: no 5xx", async () => {
    const answer = await raw("/api/v1/messages", [
      ["x-api-key", secret],
      ["user-agent", Buffer.concat([Buffer.from("claude-cli/2.0.0 "), notUtf8])],
      ["anthropic-beta", notUtf8],
      ["x-session-id", notUtf8],
    ]);
    expect(answer.status, answer.head).toBeGreaterThan(0);
    expect(answer.status, answer.head).toBeLessThan(500);
  });

  it("a 64 KB key, a 64 KB user-agent and 1,000 headers: a 4xx (or served), never a 5xx, the key never echoed", async () => {
    const huge = `cr_${"k".repeat(64 * 1024)}`;
    const many: Array<[string, string]> = [["x-api-key", secret]];
    for (let i = 0; i < 1000; i++) many.push([`x-h-${i}`, `${i}`]);
    const cases: Array<[string, Array<[string, string]>]> = [
      ["64 KB key", [["x-api-key", huge]]],
      [
        "64 KB user-agent",
        [
          ["x-api-key", secret],
          ["user-agent", `claude-cli/2.0.0 ${"u".repeat(64 * 1024)}`],
        ],
      ],
      ["1,000 headers", many],
    ];
    // Seen: 401 for the key; the relay's own 431 for the user-agent; the 1,000 headers (about
    // 14 KB) are forwarded and the fake upstream's 431 (Node's 16 KB limit) passed on.
    for (const [what, headers] of cases) {
      const answer = await raw("/api/v1/messages", headers);
      expect(answer.status, `${what}: ${answer.head.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
      expect(answer.status, `${what}: ${answer.head.slice(0, 200)}`).toBeLessThan(500);
      expect(answer.head + answer.body).not.toContain(huge.slice(0, 40));
      expect(answer.head + answer.body).not.toContain(secret);
    }
    // The relay still serves normally afterwards.
    expect((await raw("/api/v1/messages", [["x-api-key", secret]])).status).toBe(200);
  });
});
