// Bad input gets a clear 4xx in the client's own error shape, never a 500 or a stack trace:
// bodies, huge and odd headers, garbage in `?key=`, names that are Object's own properties, and a
// deployment whose bindings are wrong, and stored records of another version or shape.
import { createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { BEDROCK_TEST_CREDENTIALS } from "../../dev/fake-upstream/bedrock.ts";
import { configProblems, type Env, services } from "../../worker/env.ts";
import { MAX_HEADER_BYTES } from "../../worker/http/body.ts";
import { RelayError } from "../../worker/http/errors.ts";
import worker from "../../worker/index.ts";
import { keys } from "../../worker/keyspace/keys.ts";
import { findPrice, shippedPrices } from "../../worker/pricing/pricing.ts";
import { bedrockModelId } from "../../worker/providers/bedrock/models.ts";
import { parseChatRequest } from "../../worker/translate/chat.ts";
import { chatToGeminiRequest } from "../../worker/translate/chat-to-gemini.ts";
import {
  admin,
  BASE,
  createConsoleAccount,
  createKey,
  freshKeyspace,
  testEnv,
  upstreamUrl,
} from "./helpers.ts";

let token: string;
let secret: string;

beforeAll(async () => {
  token = await freshKeyspace();
  await createConsoleAccount(token, "ok");
  await admin(token, "POST", "/accounts/gemini-api", {
    name: "g",
    apiKey: `AIza-${crypto.randomUUID()}`,
    baseUrl: `${upstreamUrl}/s/ok`,
  });
  await admin(token, "POST", "/accounts/openai-api", {
    name: "o",
    apiKey: `sk-proj-${crypto.randomUUID()}`,
    baseUrl: `${upstreamUrl}/s/ok`,
  });
  secret = (await createKey(token)).secret;
});

const send = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  SELF.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { "x-api-key": secret, "content-type": "application/json", ...headers },
    body,
  });

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const invalidUtf8 = new Uint8Array([0x7b, 0x22, 0x6d, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]);

const cases: Array<[string, BodyInit, Record<string, string>]> = [
  ["wrong content type", "model=x", { "content-type": "application/x-www-form-urlencoded" }],
  ["invalid UTF-8", invalidUtf8, {}],
  ["deeply nested JSON", nested(200_000), {}],
  ["a JSON array", "[1,2,3]", {}],
  ["null", "null", {}],
  ["wrong field types", JSON.stringify({ model: 42, messages: "hi" }), {}],
  ["empty body", "", {}],
];

describe.each([
  ["Anthropic", "/api/v1/messages", (body: unknown) => (body as { type: string }).type === "error"],
  [
    "OpenAI",
    "/openai/v1/responses",
    (body: unknown) => typeof (body as { error: { message: string } }).error.message === "string",
  ],
  [
    "Google",
    "/gemini/v1beta/models/gemini-2.5-pro:generateContent",
    (body: unknown) => typeof (body as { error: { status: string } }).error.status === "string",
  ],
])("%s route", (_name, path, inShape) => {
  for (const [what, body, headers] of cases) {
    it(`answers ${what} with a 4xx in its own shape`, async () => {
      const response = await send(path, body, headers);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      const text = await response.text();
      expect(text).not.toMatch(/\.ts:\d+|at [A-Za-z]+ \(/);
      expect(inShape(JSON.parse(text))).toBe(true);
    });
  }
});

// ---- headers and the query string ----

type Shape = (body: unknown) => boolean;
const anthropicShape: Shape = (body) => (body as { type: string }).type === "error";
const openaiShape: Shape = (body) =>
  typeof (body as { error: { message: string; type: string } }).error.type === "string";
const googleShape: Shape = (body) => typeof (body as { error: { status: string } }).error.status === "string";

const ROUTES: Array<[string, string, string, Shape]> = [
  ["Anthropic", "/api/v1/messages", "claude-sonnet-4-5", anthropicShape],
  ["OpenAI Responses", "/openai/v1/responses", "gpt-5", openaiShape],
  ["chat completions", "/v1/chat/completions", "claude-sonnet-4-5", openaiShape],
  ["Google", "/gemini/v1beta/models/gemini-2.5-pro:generateContent", "gemini-2.5-pro", googleShape],
];

function validBody(path: string, model: string): string {
  if (path.startsWith("/gemini"))
    return JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hi" }] }] });
  if (path.includes("/responses")) return JSON.stringify({ model, input: "Hi" });
  return JSON.stringify({ model, max_tokens: 20, messages: [{ role: "user", content: "Hi" }] });
}

async function call(
  path: string,
  model: string,
  headers: HeadersInit,
): Promise<{ response: Response; text: string }> {
  const all = new Headers(headers);
  if (!all.has("content-type")) all.set("content-type", "application/json");
  const response = await SELF.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: all,
    body: validBody(path, model),
  });
  return { response, text: await response.text() };
}

/** A 4xx in the route's shape, no stack, and nothing of `secret` echoed in the body or a header. */
function expectClean4xx(status: number, text: string, response: Response, inShape: Shape, secret?: string) {
  expect(status, text.slice(0, 200)).toBeGreaterThanOrEqual(400);
  expect(status, text.slice(0, 200)).toBeLessThan(500);
  expect(text).not.toMatch(/\.ts:\d+|at [A-Za-z.]+ \(/);
  expect(inShape(JSON.parse(text)), text.slice(0, 200)).toBe(true);
  if (secret) {
    const probe = secret.slice(0, 32);
    expect(text).not.toContain(probe);
    for (const [, value] of response.headers) expect(value).not.toContain(probe);
  }
}

const fakeRequests = async () =>
  ((await (await fetch(`${upstreamUrl}/__stats`)).json()) as { requests: number }).requests;

describe.each(ROUTES)("%s route: huge and odd headers", (_name, path, model, inShape) => {
  it("a 64 KB key in each key header is refused with 401 and never echoed", async () => {
    const huge = `cr_${"k".repeat(64 * 1024)}`;
    const keyHeaders: Array<Record<string, string>> = [
      { "x-api-key": huge },
      { authorization: `Bearer ${huge}` },
      { "x-goog-api-key": huge },
      { "api-key": huge },
    ];
    for (const headers of keyHeaders) {
      const { response, text } = await call(path, model, headers);
      expect(response.status).toBe(401);
      expectClean4xx(response.status, text, response, inShape, huge);
    }
  });

  it(`a valid key with headers over ${MAX_HEADER_BYTES} bytes: 431 before any upstream is asked, and the account stays usable`, async () => {
    const before = await fakeRequests();
    const many: Array<[string, string]> = [["x-api-key", secret]];
    for (let i = 0; i < 1000; i++) many.push([`x-h-${i}`, "v".repeat(40)]);
    const oversized: HeadersInit[] = [
      { "x-api-key": secret, "user-agent": `claude-cli/2.0.0 ${"u".repeat(64 * 1024)}` },
      { "x-api-key": secret, "anthropic-beta": "b".repeat(40 * 1024) },
      many,
    ];
    for (const headers of oversized) {
      const { response, text } = await call(path, model, headers);
      expect(response.status, text.slice(0, 200)).toBe(431);
      expectClean4xx(response.status, text, response, inShape, secret);
    }
    expect(await fakeRequests()).toBe(before);
    const normal = await call(path, model, { "x-api-key": secret });
    expect(normal.response.status, normal.text.slice(0, 200)).toBe(200);
  });

  it("1,000 small headers with a valid key: no 5xx from the relay", async () => {
    const many: Array<[string, string]> = [["x-api-key", secret]];
    for (let i = 0; i < 1000; i++) many.push([`x-h-${i}`, `${i}`]);
    const { response, text } = await call(path, model, many);
    expect(response.status, text.slice(0, 200)).toBeLessThan(500);
    if (response.status >= 400) expectClean4xx(response.status, text, response, inShape, secret);
    const normal = await call(path, model, { "x-api-key": secret });
    expect(normal.response.status, normal.text.slice(0, 200)).toBe(200);
  });

  it("garbage in ?key= is refused with 401 in the route's shape and never echoed", async () => {
    for (const key of [
      "%FF%FE%00",
      "%00".repeat(100),
      "k".repeat(32 * 1024),
      `${secret}%FF`,
      `${secret}%00`,
      `${secret.slice(0, -1)}%`,
      "%E2%80%AE%F0%9F%94%91",
      // The first ?key= is the one read: a wrong one is not rescued by a right one after it.
      `x${secret}&key=${secret}`,
    ]) {
      const response = await SELF.fetch(`${BASE}${path}?key=${key}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: validBody(path, model),
      });
      const text = await response.text();
      expect(response.status, key.slice(0, 40)).toBe(401);
      expectClean4xx(response.status, text, response, inShape, secret);
    }
  });

  it("non-ASCII (Latin-1) bytes in headers: a wrong key is 401, elsewhere no 5xx", async () => {
    // workerd passes such values on (encoded as UTF-8); a browser's fetch would refuse them.
    const latin1 = "\xff\xfe\x80\xc3(";
    for (const name of ["x-api-key", "x-goog-api-key", "api-key"]) {
      const { response, text } = await call(path, model, { [name]: `cr_${latin1}` });
      expect(response.status).toBe(401);
      expectClean4xx(response.status, text, response, inShape);
    }
    const { response, text } = await call(path, model, {
      "x-api-key": secret,
      "user-agent": `claude-cli/${latin1}`,
      "anthropic-beta": latin1,
      "x-session-id": latin1,
      session_id: latin1,
      "x-goog-api-client": latin1,
    });
    expect(response.status, text.slice(0, 200)).toBeLessThan(500);
  });
});

// ---- names that are Object's own properties ----

const PROTO_NAMES = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"];

describe("model and option names that are Object.prototype members (found by fuzzing)", () => {
  it("have no price, map to no built-in Bedrock id, and are no Gemini thinking effort", () => {
    for (const name of PROTO_NAMES) {
      expect(findPrice(shippedPrices, name), name).toBeUndefined();
      expect(bedrockModelId(name, { region: "us-east-1" }), name).toBe(name);
      const body = {
        model: "gemini-2.5-pro",
        messages: [{ role: "user", content: "Hi" }],
        reasoning_effort: name,
      };
      expect(() => chatToGeminiRequest(body, parseChatRequest(body)), name).toThrow(RelayError);
    }
  });

  it("as the model of a request to a Bedrock account: no 5xx (was a 500: TypeError in the model mapping)", async () => {
    const bedrock = await admin<{ account: { id: string } }>(token, "POST", "/accounts/bedrock", {
      name: "bedrock-proto",
      accessKeyId: "AKIAFAKEBEDROCK00001",
      secretAccessKey: BEDROCK_TEST_CREDENTIALS.AKIAFAKEBEDROCK00001?.secret,
      region: "us-west-2",
      baseUrl: `${upstreamUrl}/s/ok`,
    });
    expect(bedrock.status).toBe(201);
    const bound = await createKey(token, { boundAccounts: { claude: bedrock.body.account.id } });
    for (const model of PROTO_NAMES) {
      for (const stream of [false, true]) {
        const response = await SELF.fetch(`${BASE}/api/v1/messages`, {
          method: "POST",
          headers: { "x-api-key": bound.secret, "content-type": "application/json" },
          body: JSON.stringify({
            model,
            max_tokens: 20,
            stream,
            messages: [{ role: "user", content: "Hi" }],
          }),
        });
        const text = await response.text();
        expect(response.status, `${model} ${text.slice(0, 200)}`).toBeLessThan(500);
      }
    }
  });

  it("as the model on every route: no 5xx", async () => {
    for (const [, path, , inShape] of ROUTES) {
      for (const model of PROTO_NAMES) {
        const target = path.startsWith("/gemini") ? path.replace("gemini-2.5-pro", model) : path;
        const { response, text } = await call(target, model, { "x-api-key": secret });
        expect(response.status, `${target} ${model} ${text.slice(0, 200)}`).toBeLessThan(500);
        if (response.status >= 400) expectClean4xx(response.status, text, response, inShape);
      }
    }
  });
});

// ---- a misconfigured deployment ----

describe("a deployment with a missing or malformed binding", () => {
  const badValue = "this-is-not-a-32-byte-key-but-it-is-long-enough";
  const badEnv = { ...testEnv, ENCRYPTION_KEY: badValue, KEY_HASH_SECRET: "short" } as Env;

  async function ask(path: string, init: RequestInit = {}, env: Env = badEnv) {
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request(`${BASE}${path}`, init), env, ctx);
    await waitOnExecutionContext(ctx);
    return { status: response.status, text: await response.text() };
  }

  it("names the bad bindings (never their values) at /health and in the log; requests get a 503 in their shape", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) =>
      lines.push(args.map(String).join(" ")),
    );
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) =>
      lines.push(args.map(String).join(" ")),
    );
    try {
      const health = await ask("/health");
      expect(health.status).toBe(503);
      expect(JSON.parse(health.text)).toMatchObject({
        status: "misconfigured",
        check: ["KEY_HASH_SECRET", "ENCRYPTION_KEY"],
      });
      const relayed = await ask("/api/v1/messages", {
        method: "POST",
        headers: { "x-api-key": secret, "content-type": "application/json" },
        body: validBody("/api/v1/messages", "claude-sonnet-4-5"),
      });
      expect(relayed.status).toBe(503);
      expect(anthropicShape(JSON.parse(relayed.text))).toBe(true);
      const adminAnswer = await ask("/admin/keys", { headers: { authorization: `Bearer ${token}` } });
      expect(adminAnswer.status).toBe(503);
      for (const text of [health.text, relayed.text, adminAnswer.text, lines.join("\n")]) {
        expect(text).not.toContain(badValue);
        expect(text).not.toContain(secret);
      }
      expect(lines.join("\n")).toMatch(/edge-relay is misconfigured.*KEY_HASH_SECRET.*ENCRYPTION_KEY/);
      expect(lines.join("\n")).not.toMatch(/unhandled error/);
    } finally {
      vi.restoreAllMocks();
    }
    expect((await ask("/health", {}, testEnv)).status).toBe(200);
  });

  it("checks an ENCRYPTION_KEY's format with the rest (it used to pass and fail later, in a request)", () => {
    expect(configProblems({ ...testEnv, ENCRYPTION_KEY: "x".repeat(48) } as Env)).toEqual(["ENCRYPTION_KEY"]);
    expect(configProblems({ ...testEnv, ENCRYPTION_KEY_PREVIOUS: "y".repeat(40) } as Env)).toEqual([
      "ENCRYPTION_KEY_PREVIOUS",
    ]);
    expect(configProblems({ ...testEnv, ENCRYPTION_KEY: btoa("k".repeat(32)) } as Env)).toEqual([]);
    expect(configProblems(testEnv)).toEqual([]);
  });
});

// ---- stored records of another version or shape ----

describe("stored records with a wrong `v` or shape", () => {
  it("are skipped with a log line on the request path and in admin lists, never a 500", async () => {
    const fresh = await freshKeyspace();
    const { redis } = services(testEnv).keyspace;
    const good = await createConsoleAccount(fresh, "ok", { priority: 1 });
    const spoiled = await createConsoleAccount(fresh, "ok", { priority: 2 });
    const group = await admin<{ group: { id: string } }>(fresh, "POST", "/groups", {
      name: "g",
      platform: "claude",
      memberIds: [good],
    });
    const [newer, garbled, fine, grouped] = [
      await createKey(fresh, { name: "newer" }),
      await createKey(fresh, { name: "garbled" }),
      await createKey(fresh, { name: "fine" }),
      await createKey(fresh, { name: "grouped", boundAccounts: { claude: `group:${group.body.group.id}` } }),
    ];
    const raw = async (key: string) => {
      const value: unknown = await redis.get(key);
      return (typeof value === "string" ? JSON.parse(value) : value) as Record<string, unknown>;
    };
    const accountKey = keys.account(spoiled);
    await redis.set(accountKey, JSON.stringify({ ...(await raw(accountKey)), v: 99 }));
    await redis.set(
      keys.relayKey(newer.id),
      JSON.stringify({ ...(await raw(keys.relayKey(newer.id))), v: 2 }),
    );
    await redis.set(keys.relayKey(garbled.id), "{not json");
    const groupKey = keys.accountGroup(group.body.group.id);
    await redis.set(groupKey, JSON.stringify({ ...(await raw(groupKey)), members: "everyone" }));

    const lines: string[] = [];
    for (const method of ["log", "warn", "error"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) =>
        lines.push(args.map(String).join(" ")),
      );
    }
    try {
      const send = async (key: string) => {
        const response = await SELF.fetch(`${BASE}/api/v1/messages`, {
          method: "POST",
          headers: { "x-api-key": key, "content-type": "application/json" },
          body: validBody("/api/v1/messages", "claude-sonnet-4-5"),
        });
        return { status: response.status, text: await response.text() };
      };
      for (const refused of [newer, garbled]) {
        const answer = await send(refused.secret);
        expect(answer.status, answer.text).toBe(401);
        expect(anthropicShape(JSON.parse(answer.text))).toBe(true);
      }
      for (let i = 0; i < 5; i++) {
        const answer = await send(fine.secret);
        expect(answer.status, answer.text).toBe(200);
      }
      const bound = await send(grouped.secret);
      expect(bound.status, bound.text).not.toBe(500);
      expect(anthropicShape(JSON.parse(bound.text)) || bound.status === 200).toBe(true);

      const accounts = await admin<{ accounts: Array<{ id: string }> }>(fresh, "GET", "/accounts");
      expect(accounts.status).toBe(200);
      expect(accounts.body.accounts.map((a) => a.id)).toEqual([good]);
      const listed = await admin<{ keys: Array<{ id: string }> }>(fresh, "GET", "/keys");
      expect(listed.status).toBe(200);
      expect(listed.body.keys.map((k) => k.id).sort()).toEqual([fine.id, grouped.id].sort());
      expect((await admin(fresh, "GET", "/groups")).status).toBe(200);
    } finally {
      vi.restoreAllMocks();
    }
    const log = lines.join("\n");
    expect(log).toMatch(/corrupt record skipped.*key /);
    expect(log).toMatch(/unreadable record skipped.*key /);
    expect(log).toMatch(/corrupt record skipped.*account /);
    expect(log).not.toMatch(/unhandled error/);
  });
});
