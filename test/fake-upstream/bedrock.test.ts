// The fake's Bedrock InvokeModel: SigV4 checked independently of the signer (aws4fetch signs
// here, node:crypto verifies there), Anthropic JSON and real event-stream framing back.
import { AwsClient, AwsV4Signer } from "aws4fetch";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BEDROCK_TEST_CREDENTIALS, verifySigV4 } from "../../dev/fake-upstream/bedrock.ts";
import { DEFAULT_TEXT, type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import { EventStreamDecoder } from "../../worker/providers/bedrock/eventstream.ts";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream({ port: 0 });
});
afterAll(() => upstream.close());
beforeEach(() => upstream.reset());

const KEY = "AKIAFAKEBEDROCK00001";
const SECRET = BEDROCK_TEST_CREDENTIALS[KEY]?.secret ?? "";
const MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0";
const BODY = {
  anthropic_version: "bedrock-2023-05-31",
  max_tokens: 100,
  messages: [{ role: "user", content: "Say hello" }],
};

function client(accessKeyId = KEY, secretAccessKey = SECRET, sessionToken?: string) {
  return new AwsClient({
    accessKeyId,
    secretAccessKey,
    sessionToken,
    service: "bedrock",
    region: "us-east-1",
    // Without this aws4fetch backs off and retries the 429 and 5xx scenarios.
    retries: 0,
  });
}

function invoke(
  options: { stream?: boolean; body?: unknown; prefix?: string; aws?: AwsClient; model?: string } = {},
) {
  const action = options.stream ? "invoke-with-response-stream" : "invoke";
  const model = encodeURIComponent(options.model ?? MODEL);
  return (options.aws ?? client()).fetch(`${upstream.url}${options.prefix ?? ""}/model/${model}/${action}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(options.body ?? BODY),
  });
}

const payloadJson = (payload: Uint8Array) => JSON.parse(new TextDecoder().decode(payload)) as unknown;

describe("fake Bedrock", () => {
  it("answers a signed invoke with Anthropic JSON named by the Anthropic model", async () => {
    const response = await invoke();
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: "message",
      model: "claude-sonnet-4-20250514",
      content: [{ type: "text", text: DEFAULT_TEXT }],
    });
    const stats = upstream.stats();
    expect(stats.byCredential[KEY]?.requests).toBe(1);
    expect(stats.usageSent[0]).toMatchObject({ protocol: "bedrock", model: MODEL, completed: true });
  });

  it("streams event-stream frames whose CRCs check and whose chunks are Anthropic events", async () => {
    const response = await invoke({ stream: true });
    expect(response.headers.get("content-type")).toBe("application/vnd.amazon.eventstream");
    const bytes = new Uint8Array(await response.arrayBuffer());
    const messages = new EventStreamDecoder().push(bytes);
    expect(messages.length).toBeGreaterThan(4);
    const events = messages.map((m) => {
      expect(m.headers).toMatchObject({ ":event-type": "chunk", ":message-type": "event" });
      const { bytes: b64 } = payloadJson(m.payload) as { bytes: string };
      return JSON.parse(Buffer.from(b64, "base64").toString("utf8")) as Record<string, unknown>;
    });
    expect(events[0]?.type).toBe("message_start");
    const last = events.at(-1);
    expect(last?.type).toBe("message_stop");
    expect(last?.["amazon-bedrock-invocationMetrics"]).toMatchObject({ outputTokenCount: 4 });
  });

  it("refuses a wrong secret with Bedrock's 403 InvalidSignatureException", async () => {
    const response = await invoke({ aws: client(KEY, "not-the-secret") });
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toMatch(/^InvalidSignatureException:/);
    expect(((await response.json()) as { message: string }).message).toMatch(/signature we calculated/);
    expect(upstream.stats().byCredential["(bad signature)"]?.requests).toBe(1);
  });

  it("refuses an unknown access key, a missing session token and a tampered body", async () => {
    const unknown = await invoke({ aws: client("AKIAUNKNOWN000000000", "x") });
    expect(unknown.status).toBe(403);
    expect(unknown.headers.get("x-amzn-errortype")).toMatch(/^UnrecognizedClientException:/);

    const temp = BEDROCK_TEST_CREDENTIALS.ASIAFAKEBEDROCKTEMP1;
    const noToken = await invoke({ aws: client("ASIAFAKEBEDROCKTEMP1", temp?.secret) });
    expect(noToken.status).toBe(403);
    const withToken = await invoke({ aws: client("ASIAFAKEBEDROCKTEMP1", temp?.secret, temp?.sessionToken) });
    expect(withToken.status).toBe(200);

    const signed = await client().sign(`${upstream.url}/model/${encodeURIComponent(MODEL)}/invoke`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(BODY),
    });
    const tampered = await fetch(signed.url, {
      method: "POST",
      headers: signed.headers,
      body: JSON.stringify({ ...BODY, max_tokens: 101 }),
    });
    expect(tampered.status).toBe(403);
  });

  it("agrees with aws4fetch on a fixed-time signature (double-encoded `:` path) and expires it", async () => {
    const signer = new AwsV4Signer({
      url: `http://bedrock.test/model/${encodeURIComponent(MODEL)}/invoke`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
      accessKeyId: KEY,
      secretAccessKey: SECRET,
      service: "bedrock",
      region: "eu-west-3",
      datetime: "20260101T000000Z",
    });
    const signed = await signer.sign();
    const url = new URL(signed.url);
    const request = {
      method: "POST",
      rawUrl: url.pathname,
      headers: { ...Object.fromEntries(signed.headers), host: url.host },
      body: Buffer.from("{}"),
    };
    expect(url.pathname).toContain("%3A0");
    expect(verifySigV4(request, Date.parse("2026-01-01T00:01:00Z"))).toEqual({
      ok: true,
      accessKeyId: KEY,
      region: "eu-west-3",
    });
    expect(verifySigV4(request, Date.parse("2026-01-01T00:10:00Z")).ok).toBe(false);
    expect(verifySigV4({ ...request, body: Buffer.from("{ }") }, Date.parse("2026-01-01T00:01:00Z")).ok).toBe(
      false,
    );
  });

  it("plays Bedrock's errors for the scenarios and validates the body like Bedrock", async () => {
    const throttled = await invoke({ prefix: "/s/429" });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("x-amzn-errortype")).toMatch(/^ThrottlingException:/);
    const unavailable = await invoke({ prefix: "/s/529" });
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("x-amzn-errortype")).toMatch(/^ServiceUnavailableException:/);

    const withModel = await invoke({ body: { ...BODY, model: "claude-sonnet-4" } });
    expect(withModel.status).toBe(400);
    expect(((await withModel.json()) as { message: string }).message).toMatch(/extraneous key \[model\]/);
    const noVersion = await invoke({ body: { messages: [] } });
    expect(noVersion.status).toBe(400);
  });
});
