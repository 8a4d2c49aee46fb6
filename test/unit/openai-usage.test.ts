// The OpenAI provider's pure parts: the usage meter on recorded Responses streams, the upstream
// request per account type, the sticky-session hash, rate-limit resets and the OAuth requests.
import { describe, expect, it } from "vitest";
import { services } from "../../worker/env.ts";
import type { AccountRecord } from "../../worker/keyspace/records/accounts.ts";
import {
  openaiOutcome,
  parseDurationMs,
  rateLimitedUntil,
  responsesStreamError,
} from "../../worker/providers/openai/errors.ts";
import { newOpenaiPkceSession, openaiTokenRequest, pastedCode } from "../../worker/providers/openai/oauth.ts";
import { openaiSessionHash, openaiSessionId } from "../../worker/providers/openai/session.ts";
import { buildOpenaiRequest } from "../../worker/providers/openai/upstream.ts";
import { usageFromJson, usageFromSse } from "../../worker/providers/openai/usage.ts";
import type { ClientCall } from "../../worker/providers/provider.ts";
import { meterStream } from "../../worker/relay/meter.ts";
import { accountRecord, testEnv } from "./helpers.ts";

const config = services(testEnv).config;

// The nine-event sequence Codex 0.169 accepted (shared/clients/fake-upstream-notes.md).
const RECORDED = [
  `event: response.created
data: {"type":"response.created","response":{"id":"resp_fda6de98f5b42842","object":"response","created_at":1795402026,"model":"gpt-5-codex","status":"in_progress","output":[],"usage":null,"error":null,"incomplete_details":null},"sequence_number":0}`,
  `event: response.in_progress
data: {"type":"response.in_progress","response":{"id":"resp_fda6de98f5b42842","object":"response","created_at":1795402026,"model":"gpt-5-codex","status":"in_progress","output":[],"usage":null,"error":null,"incomplete_details":null},"sequence_number":1}`,
  `event: response.output_item.added
data: {"type":"response.output_item.added","output_index":0,"item":{"id":"msg_60bce8234b45fbd7","type":"message","role":"assistant","status":"in_progress","content":[]},"sequence_number":2}`,
  `event: response.content_part.added
data: {"type":"response.content_part.added","item_id":"msg_60bce8234b45fbd7","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[],"logprobs":[]},"sequence_number":3}`,
  `event: response.output_text.delta
data: {"type":"response.output_text.delta","item_id":"msg_60bce8234b45fbd7","output_index":0,"content_index":0,"delta":"Hello from fake upstream","logprobs":[],"sequence_number":4}`,
  `event: response.output_text.done
data: {"type":"response.output_text.done","item_id":"msg_60bce8234b45fbd7","output_index":0,"content_index":0,"text":"Hello from fake upstream","logprobs":[],"sequence_number":5}`,
  `event: response.content_part.done
data: {"type":"response.content_part.done","item_id":"msg_60bce8234b45fbd7","output_index":0,"content_index":0,"part":{"type":"output_text","text":"Hello from fake upstream","annotations":[],"logprobs":[]},"sequence_number":6}`,
  `event: response.output_item.done
data: {"type":"response.output_item.done","output_index":0,"item":{"id":"msg_60bce8234b45fbd7","type":"message","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Hello from fake upstream","annotations":[],"logprobs":[]}]},"sequence_number":7}`,
  `event: response.completed
data: {"type":"response.completed","response":{"id":"resp_fda6de98f5b42842","object":"response","created_at":1795402026,"model":"gpt-5-codex","status":"completed","output":[{"id":"msg_60bce8234b45fbd7","type":"message","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Hello from fake upstream","annotations":[],"logprobs":[]}]}],"usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":0},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":15},"error":null,"incomplete_details":null},"sequence_number":8}`,
]
  .map((event) => `${event}\n\n`)
  .join("");

// The smallest clean stream Codex accepted: data-only, no response.created.
const DATA_ONLY = `data: {"type":"response.output_item.done","output_index":0,"item":{"id":"msg_1","type":"message","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Hello","annotations":[]}]}}

data: {"type":"response.completed","response":{"id":"resp_1","object":"response","status":"completed","output":[],"usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":0},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":15}}}

`;

const completed = (usage: unknown, type = "response.completed", model = "gpt-5-codex") =>
  `event: ${type}\ndata: ${JSON.stringify({ type, response: { id: "resp_x", object: "response", model, status: "completed", usage } })}\n\n`;

const CACHED_AND_REASONING = {
  input_tokens: 1200,
  input_tokens_details: { cached_tokens: 1024 },
  output_tokens: 340,
  output_tokens_details: { reasoning_tokens: 256 },
  total_tokens: 1540,
};

describe("OpenAI usage meter", () => {
  it("reads the recorded Codex stream: input, output, model, complete", () => {
    expect(usageFromSse(RECORDED)).toEqual({
      usage: {
        input_tokens: 10,
        output_tokens: 5,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        ephemeral_5m_input_tokens: 0,
        ephemeral_1h_input_tokens: 0,
      },
      model: "gpt-5-codex",
      complete: true,
    });
  });

  it("reads a data-only stream without event lines, and CRLF line ends", () => {
    const metered = usageFromSse(DATA_ONLY);
    expect(metered.complete).toBe(true);
    expect(metered.usage).toMatchObject({ input_tokens: 10, output_tokens: 5 });
    expect(metered.model).toBeUndefined();
    const crlf = usageFromSse(RECORDED.replaceAll("\n", "\r\n"));
    expect(crlf.usage).toMatchObject({ input_tokens: 10, output_tokens: 5 });
    expect(crlf.complete).toBe(true);
  });

  it("keeps cached tokens out of input and reasoning tokens inside output", () => {
    const metered = usageFromSse(completed(CACHED_AND_REASONING));
    expect(metered.usage).toMatchObject({
      input_tokens: 176,
      cache_read_input_tokens: 1024,
      cache_creation_input_tokens: 0,
      output_tokens: 340,
    });
  });

  it("counts response.incomplete and response.done as ends, response.failed usage as not complete", () => {
    const incomplete = usageFromSse(completed({ input_tokens: 7, output_tokens: 3 }, "response.incomplete"));
    expect(incomplete).toMatchObject({ complete: true, usage: { input_tokens: 7, output_tokens: 3 } });
    const done = usageFromSse(completed({ input_tokens: 4, output_tokens: 2 }, "response.done"));
    expect(done).toMatchObject({ complete: true, usage: { input_tokens: 4, output_tokens: 2 } });
    const failed = usageFromSse(completed({ input_tokens: 9, output_tokens: 1 }, "response.failed"));
    expect(failed).toMatchObject({ complete: false, usage: { input_tokens: 9, output_tokens: 1 } });
  });

  it("meters a stream cut before response.completed as incomplete, with the model it saw", () => {
    const cut = RECORDED.slice(0, RECORDED.indexOf("event: response.completed") + 40);
    const metered = usageFromSse(cut);
    expect(metered.complete).toBe(false);
    expect(metered.usage.input_tokens + metered.usage.output_tokens).toBe(0);
    expect(metered.model).toBe("gpt-5-codex");
  });

  it("meters a stream arriving in odd chunks through the relay's meter, bytes unchanged", async () => {
    const text = `${RECORDED.replace("Hello from fake upstream", "Héllo — 你好")}${completed(CACHED_AND_REASONING)}`;
    const bytes = new TextEncoder().encode(text);
    const cuts = [1, 7, 40, 41, 300, 301, 302, 777, bytes.length - 3];
    const chunks: Uint8Array[] = [];
    let at = 0;
    for (const cut of [...cuts, bytes.length]) {
      chunks.push(bytes.slice(at, cut));
      at = cut;
    }
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const pending: Promise<unknown>[] = [];
    let metered: ReturnType<typeof usageFromSse> | undefined;
    const client = meterStream(source, {
      waitUntil: (p) => pending.push(p),
      onEnd: async ({ text: seen }) => {
        metered = usageFromSse(seen);
      },
    });
    expect(await new Response(client).text()).toBe(text);
    await Promise.all(pending);
    // The last response.completed wins: the second one in this stream.
    expect(metered?.usage).toMatchObject({
      input_tokens: 176,
      cache_read_input_tokens: 1024,
      output_tokens: 340,
    });
    expect(metered?.complete).toBe(true);
  });

  it("reads a non-streaming Response object, and nothing from a body that is not one", () => {
    const json = JSON.stringify({
      id: "resp_1",
      object: "response",
      model: "gpt-5",
      status: "completed",
      output: [],
      usage: CACHED_AND_REASONING,
    });
    expect(usageFromJson(json)).toMatchObject({
      model: "gpt-5",
      complete: true,
      usage: { input_tokens: 176, cache_read_input_tokens: 1024, output_tokens: 340 },
    });
    expect(usageFromJson("not json")).toMatchObject({ complete: false, usage: { input_tokens: 0 } });
    expect(usageFromJson("{}")).toMatchObject({ complete: false, usage: { output_tokens: 0 } });
  });

  it("ends a broken stream with an error event and response.failed", () => {
    const tail = new TextDecoder().decode(responsesStreamError("Upstream connection lost"));
    expect(tail).toMatch(/^event: error\ndata: \{"type":"error"/);
    expect(tail).toContain('event: response.failed\ndata: {"type":"response.failed"');
    const metered = usageFromSse(RECORDED.slice(0, 200) + tail);
    expect(metered.complete).toBe(false);
  });
});

const account = (overrides: Partial<AccountRecord>): AccountRecord =>
  accountRecord("acct-1", {
    type: "openai-api",
    platform: "openai",
    name: "t",
    credentials: "sealed",
    ...overrides,
  });

const CODEX_HEADERS = {
  authorization: "Bearer cr_relaykey",
  "content-type": "application/json",
  accept: "text/event-stream",
  originator: "codex_exec",
  "user-agent": "codex_exec/0.169.0 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.169.0)",
  "session-id": "01a20649-4e56-7651-894a-d20482c7a4cd",
  "x-codex-turn-metadata": '{"installation_id":"x"}',
  "cf-connecting-ip": "203.0.113.9",
  "x-forwarded-for": "203.0.113.9",
  "openai-organization": "org-client",
};

function call(
  body: Record<string, unknown>,
  headers: Record<string, string> = CODEX_HEADERS,
  path = "/responses",
) {
  const text = JSON.stringify(body);
  return {
    request: new Request("http://relay.test/openai/responses", { method: "POST", headers, body: text }),
    path,
    search: "",
    body: text,
    model: String(body.model),
    stream: body.stream === true,
  } satisfies ClientCall;
}

/** An unsigned JWT with the OpenAI auth claim, as OpenAI's access and id tokens carry it. */
function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) =>
    btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  return `${part({ alg: "none" })}.${part(claims)}.sig`;
}

describe("OpenAI upstream request per account type", () => {
  const body = { model: "gpt-5-codex", stream: true, store: true, input: "hi" };

  it("API-key accounts: the account's bearer to {base}/v1/responses, the client's headers less credentials", async () => {
    const request = buildOpenaiRequest(call(body), account({}), { apiKey: "sk-proj-1" }, config);
    expect(request.url).toBe("https://api.openai.com/v1/responses");
    expect(request.headers.get("authorization")).toBe("Bearer sk-proj-1");
    expect(request.headers.get("originator")).toBe("codex_exec");
    expect(request.headers.get("session-id")).toBe(CODEX_HEADERS["session-id"]);
    expect(request.headers.get("x-codex-turn-metadata")).toBe('{"installation_id":"x"}');
    for (const dropped of ["cf-connecting-ip", "x-forwarded-for", "openai-organization"]) {
      expect(request.headers.has(dropped)).toBe(false);
    }
    expect(await request.text()).toBe(JSON.stringify(body));

    const custom = buildOpenaiRequest(
      call(body, CODEX_HEADERS, "/responses/compact"),
      account({ baseUrl: "http://chained.example/openai/v1/" }),
      { apiKey: "k" },
      config,
    );
    expect(custom.url).toBe("http://chained.example/openai/v1/responses/compact");
    const plain = buildOpenaiRequest(
      call(body),
      account({ baseUrl: "http://fake:1/s/ok" }),
      { apiKey: "k" },
      config,
    );
    expect(plain.url).toBe("http://fake:1/s/ok/v1/responses");
  });

  it("ChatGPT OAuth accounts: the Codex backend, only the allowed headers, chatgpt-account-id, store:false", async () => {
    const oauth = account({ type: "openai-oauth" });
    const credentials = {
      accessToken: "at-1",
      expiresAt: Date.now() + 3_600_000,
      chatgptAccountId: "acct-9",
    };
    const request = buildOpenaiRequest(call(body), oauth, credentials, config);
    expect(request.url).toBe("https://chatgpt.com/backend-api/codex/responses");
    expect(Object.fromEntries(request.headers)).toEqual({
      authorization: "Bearer at-1",
      "chatgpt-account-id": "acct-9",
      accept: "text/event-stream",
      "content-type": "application/json",
      originator: "codex_exec",
      "user-agent": CODEX_HEADERS["user-agent"],
      "session-id": CODEX_HEADERS["session-id"],
    });
    expect(await request.json()).toEqual({ ...body, store: false });

    const compact = buildOpenaiRequest(
      call({ ...body, stream: false }, { session_id: "s1", "user-agent": "curl/8" }, "/responses/compact"),
      account({ type: "openai-oauth", baseUrl: "http://fake:1/s/ok" }),
      {
        accessToken: fakeJwt({ "https://api.openai.com/auth": { chatgpt_account_id: "from-jwt" } }),
        expiresAt: 0,
      },
      config,
    );
    expect(compact.url).toBe("http://fake:1/s/ok/responses/compact");
    expect(compact.headers.get("chatgpt-account-id")).toBe("from-jwt");
    expect(compact.headers.get("session_id")).toBe("s1");
    expect(compact.headers.get("accept")).toBe("application/json");
    // Not a Codex client: its user agent does not reach the ChatGPT backend.
    expect(compact.headers.has("user-agent")).toBe(false);
    expect(await compact.json()).not.toHaveProperty("store");
  });
});

describe("OpenAI sticky-session hash", () => {
  it("takes session_id, session-id, x-session-id, then body session_id, conversation_id, prompt_cache_key", () => {
    const h = (init: Record<string, string>) => new Headers(init);
    const body = { session_id: "b1", conversation_id: "c1", prompt_cache_key: "p1" };
    expect(openaiSessionId(body, h({ session_id: "h1", "session-id": "h2", "x-session-id": "h3" }))).toBe(
      "h1",
    );
    expect(openaiSessionId(body, h({ "session-id": "h2", "x-session-id": "h3" }))).toBe("h2");
    expect(openaiSessionId(body, h({ "x-session-id": "h3" }))).toBe("h3");
    expect(openaiSessionId(body, h({}))).toBe("b1");
    expect(openaiSessionId({ conversation_id: "c1", prompt_cache_key: "p1" }, h({}))).toBe("c1");
    expect(openaiSessionId({ prompt_cache_key: "p1" }, h({}))).toBe("p1");
    expect(openaiSessionId({ model: "gpt-5" }, h({}))).toBeUndefined();
  });

  it("is the full sha256 hex of the id, so Codex's header and its prompt_cache_key agree", async () => {
    expect(await openaiSessionHash({}, new Headers({ "session-id": "abc" }))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    const id = "01a20649-4e56-7651-894a-d20482c7a4cd";
    expect(await openaiSessionHash({ prompt_cache_key: id }, new Headers())).toBe(
      await openaiSessionHash({}, new Headers({ "session-id": id })),
    );
    expect(await openaiSessionHash({}, new Headers())).toBeUndefined();
  });
});

describe("OpenAI rate limits and errors", () => {
  const now = 1_800_000_000_000;

  it("parses OpenAI's reset durations", () => {
    expect(parseDurationMs("1s")).toBe(1000);
    expect(parseDurationMs("6m0s")).toBe(360_000);
    expect(parseDurationMs("20ms")).toBe(20);
    expect(parseDurationMs("1h2m3.5s")).toBe(3_723_500);
    expect(parseDurationMs("30")).toBe(30_000);
    expect(parseDurationMs("soon")).toBeUndefined();
    expect(parseDurationMs(null)).toBeUndefined();
  });

  it("parks until the reset of the spent limit, else any announced reset, else retry-after, else an hour", () => {
    const at = (init: Record<string, string>) => rateLimitedUntil(new Headers(init), now) - now;
    expect(
      at({
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "20s",
        "x-ratelimit-remaining-tokens": "5000",
        "x-ratelimit-reset-tokens": "6m0s",
        "retry-after": "3",
      }),
    ).toBe(20_000);
    expect(at({ "x-ratelimit-reset-requests": "45s", "retry-after": "30" })).toBe(45_000);
    expect(
      at({
        "x-codex-primary-used-percent": "100",
        "x-codex-primary-reset-after-seconds": "1200",
        "x-codex-secondary-used-percent": "40",
        "x-codex-secondary-reset-after-seconds": "300000",
      }),
    ).toBe(1_200_000);
    expect(at({ "retry-after": "30" })).toBe(30_000);
    expect(at({ "retry-after-ms": "1500" })).toBe(1500);
    expect(at({})).toBe(3_600_000);
  });

  it("maps statuses to account outcomes", () => {
    const kind = (status: number) => openaiOutcome(new Response(null, { status })).kind;
    expect(kind(200)).toBe("ok");
    expect(kind(429)).toBe("rate-limited");
    expect([kind(401), kind(402), kind(403)]).toEqual(["unauthorized", "unauthorized", "unauthorized"]);
    expect([kind(500), kind(503)]).toEqual(["server-error", "server-error"]);
    expect([kind(400), kind(404)]).toEqual(["client-error", "client-error"]);
  });
});

describe("OpenAI OAuth requests", () => {
  it("exchanges codes as a form post and refreshes as JSON, with the Codex client id", async () => {
    const exchange = openaiTokenRequest(config, { grant_type: "authorization_code", code: "c" }, "form");
    expect(exchange.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    const form = new URLSearchParams(new TextDecoder().decode(await exchange.arrayBuffer()));
    expect(form.get("client_id")).toBe("app_EMoamEEZ73f0CkXaXp7hrann");
    expect(form.get("code")).toBe("c");
    const refresh = openaiTokenRequest(config, { grant_type: "refresh_token", refresh_token: "r" }, "json");
    expect(refresh.headers.get("content-type")).toBe("application/json");
    expect(await refresh.json()).toEqual({
      client_id: "app_EMoamEEZ73f0CkXaXp7hrann",
      grant_type: "refresh_token",
      refresh_token: "r",
    });
  });

  it("takes the code from a pasted callback URL and refuses one from another session", () => {
    const session = newOpenaiPkceSession();
    expect(session.verifier).toMatch(/^[0-9a-f]{128}$/);
    expect(pastedCode("  abc  ", session.state)).toBe("abc");
    expect(
      pastedCode(`http://localhost:1455/auth/callback?code=xyz&state=${session.state}`, session.state),
    ).toBe("xyz");
    expect(() =>
      pastedCode("http://localhost:1455/auth/callback?code=xyz&state=other", session.state),
    ).toThrow(/state/);
    expect(() => pastedCode("http://localhost:1455/auth/callback?error=denied", session.state)).toThrow(
      /code/,
    );
  });
});
