// Bad input gets a clear 4xx in the client's own error shape, never a 500 or a stack trace.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, createConsoleAccount, createKey, freshKeyspace } from "./helpers.ts";

let secret: string;

beforeAll(async () => {
  const token = await freshKeyspace();
  await createConsoleAccount(token, "ok");
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
