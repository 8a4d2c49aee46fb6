// Every route that takes a relay key, from one table: without a key a 401, and without the route's
// platform (on the routes that answer themselves) a 403, each in the protocol that route speaks; a
// path no route answers is a 404 in the group's shape without a key being asked for.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Protocol } from "../../worker/http/errors.ts";
import { admin, BASE, createKey, freshKeyspace } from "./helpers.ts";

type Route = { method: "GET" | "POST"; path: string; protocol: Protocol };

const SELF_ANSWERING: (Route & { platform: string })[] = [
  { method: "GET", path: "/api/v1/models", protocol: "anthropic", platform: "claude" },
  { method: "GET", path: "/api/v1/key-info", protocol: "anthropic", platform: "claude" },
  { method: "GET", path: "/claude/v1/me", protocol: "anthropic", platform: "claude" },
  { method: "GET", path: "/gemini/v1beta/models", protocol: "google", platform: "gemini" },
  { method: "GET", path: "/gemini/models/gemini-2.5-pro", protocol: "google", platform: "gemini" },
  { method: "POST", path: "/gemini/v1internal:loadCodeAssist", protocol: "google", platform: "gemini" },
  { method: "POST", path: "/gemini/v1internal:onboardUser", protocol: "google", platform: "gemini" },
  { method: "GET", path: "/azure/models", protocol: "openai", platform: "openai" },
  { method: "GET", path: "/droid/claude/v1/models", protocol: "anthropic", platform: "droid" },
  { method: "GET", path: "/droid/comm/v1/models", protocol: "openai", platform: "droid" },
  { method: "GET", path: "/droid/openai/v1/models", protocol: "openai", platform: "droid" },
];

const OTHERS: Route[] = [
  { method: "POST", path: "/api/v1/messages", protocol: "anthropic" },
  { method: "POST", path: "/claude/v1/messages/count_tokens", protocol: "anthropic" },
  { method: "POST", path: "/api/claude/v1/messages", protocol: "anthropic" },
  { method: "POST", path: "/gemini/v1beta/models/gemini-2.5-pro:generateContent", protocol: "google" },
  { method: "POST", path: "/gemini/models/gemini-2.5-pro:countTokens", protocol: "google" },
  { method: "POST", path: "/gemini/v1internal:streamGenerateContent", protocol: "google" },
  { method: "POST", path: "/openai/responses", protocol: "openai" },
  { method: "POST", path: "/openai/v1/responses/compact", protocol: "openai" },
  { method: "POST", path: "/v1/chat/completions", protocol: "openai" },
  { method: "POST", path: "/api/v1/chat/completions", protocol: "openai" },
  { method: "POST", path: "/openai/v1/unified/chat/completions", protocol: "openai" },
  { method: "GET", path: "/v1/models", protocol: "openai" },
  { method: "GET", path: "/openai/v1/models/gpt-5", protocol: "openai" },
  { method: "POST", path: "/azure/chat/completions", protocol: "openai" },
  { method: "POST", path: "/azure/responses", protocol: "openai" },
  { method: "POST", path: "/azure/embeddings", protocol: "openai" },
  { method: "GET", path: "/azure/usage", protocol: "openai" },
  { method: "POST", path: "/droid/claude/v1/messages", protocol: "anthropic" },
  { method: "POST", path: "/droid/comm/v1/chat/completions", protocol: "openai" },
  { method: "POST", path: "/droid/openai/responses", protocol: "openai" },
];

const UNANSWERED: Route[] = [
  { method: "POST", path: "/api/nothing-here", protocol: "anthropic" },
  { method: "GET", path: "/claude/v1/nothing-here", protocol: "anthropic" },
  { method: "GET", path: "/gemini/v1beta/nothing/here", protocol: "google" },
  { method: "POST", path: "/openai/nothing-here", protocol: "openai" },
  { method: "POST", path: "/azure/nothing-here", protocol: "openai" },
  { method: "POST", path: "/droid/comm/v1/nothing-here", protocol: "openai" },
];

const KIND: Record<number, Record<Exclude<Protocol, "admin">, Record<string, unknown>>> = {
  401: {
    anthropic: { type: "error", error: { type: "authentication_error" } },
    openai: { error: { type: "invalid_request_error" } },
    google: { error: { code: 401, status: "UNAUTHENTICATED" } },
  },
  403: {
    anthropic: { type: "error", error: { type: "permission_error" } },
    openai: { error: { type: "permission_error" } },
    google: { error: { code: 403, status: "PERMISSION_DENIED" } },
  },
  404: {
    anthropic: { type: "error", error: { type: "not_found_error" } },
    openai: { error: { type: "invalid_request_error" } },
    google: { error: { code: 404, status: "NOT_FOUND" } },
  },
};

function call(route: Route, secret?: string) {
  return SELF.fetch(`${BASE}${route.path}`, {
    method: route.method,
    headers: { "content-type": "application/json", ...(secret ? { "x-api-key": secret } : {}) },
    body: route.method === "POST" ? "{}" : undefined,
  });
}

async function expectError(route: Route, response: Response, status: number) {
  const label = `${route.method} ${route.path}`;
  expect(response.status, label).toBe(status);
  expect(response.headers.get("x-request-id"), label).toMatch(/^req_/);
  if (route.protocol === "admin") throw new Error("no relay route speaks the admin shape");
  expect(await response.json(), label).toMatchObject(KIND[status]?.[route.protocol] ?? {});
}

let token: string;

beforeAll(async () => {
  token = await freshKeyspace();
});

describe("the relay key, read once per route", () => {
  it("401 without a key on every route that takes one, in the route's protocol", async () => {
    for (const route of [...SELF_ANSWERING, ...OTHERS]) await expectError(route, await call(route), 401);
  });

  it("401 for a disabled key too", async () => {
    const key = await createKey(token);
    expect((await admin(token, "POST", `/keys/${key.id}/disable`)).status).toBe(200);
    for (const route of [SELF_ANSWERING[0], OTHERS[3], OTHERS[8]]) {
      if (route) await expectError(route, await call(route, key.secret), 401);
    }
  });

  it("403 without the route's platform on the routes that answer themselves; 200 with it", async () => {
    const keys = new Map<string, string>();
    for (const platform of ["claude", "gemini", "openai", "droid"]) {
      const others = ["claude", "gemini", "openai", "droid"].filter((p) => p !== platform);
      keys.set(`without ${platform}`, (await createKey(token, { limits: { permissions: others } })).secret);
      keys.set(platform, (await createKey(token, { limits: { permissions: [platform] } })).secret);
    }
    for (const route of SELF_ANSWERING) {
      await expectError(route, await call(route, keys.get(`without ${route.platform}`)), 403);
      const allowed = await call(route, keys.get(route.platform));
      expect(allowed.status, `${route.method} ${route.path}`).toBe(200);
      await allowed.body?.cancel();
    }
  });

  it("a path no route answers is a 404 in the group's shape, with no key asked for", async () => {
    for (const route of UNANSWERED) await expectError(route, await call(route), 404);
  });
});
