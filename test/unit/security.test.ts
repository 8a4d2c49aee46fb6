// Abuse and secrets: forged admin tokens, brute force, and credentials that must never show up
// in answers or logs.
import { SELF } from "cloudflare:test";
import { SignJWT } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { admin, BASE, createConsoleAccount, createKey, freshKeyspace, messages, testEnv } from "./helpers.ts";

let token: string;

beforeAll(async () => {
  token = await freshKeyspace();
});

afterEach(() => {
  vi.restoreAllMocks();
});

const b64 = (value: unknown) =>
  btoa(JSON.stringify(value)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");

async function statusWith(jwt: string): Promise<number> {
  const response = await SELF.fetch(`${BASE}/admin/keys`, { headers: { authorization: `Bearer ${jwt}` } });
  await response.text();
  return response.status;
}

describe("admin tokens", () => {
  const claims = { role: "admin", sub: "admin", aud: "edge-relay-admin" };

  it("refuses alg none, a wrong signature and an expired token with 401", async () => {
    const now = Math.floor(Date.now() / 1000);
    const none = `${b64({ alg: "none", typ: "JWT" })}.${b64({ ...claims, iat: now, exp: now + 600 })}.`;
    expect(await statusWith(none)).toBe(401);
    const wrongKey = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt()
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode("not-the-relay-secret-0123456789"));
    expect(await statusWith(wrongKey)).toBe(401);
    const expired = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(new TextEncoder().encode(testEnv.JWT_SECRET));
    expect(await statusWith(expired)).toBe(401);
    expect(await statusWith(token)).toBe(200);
  });

  it("locks out admin login after repeated failures", async () => {
    const attempt = () =>
      SELF.fetch(`${BASE}/admin/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": "203.0.113.9" },
        body: JSON.stringify({ username: "intruder", password: "guess" }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attempt()).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
  });
});

describe("secrets stay secret", () => {
  it("never returns an account's credentials or a key's hash from the admin API", async () => {
    const apiKey = `sk-ant-very-secret-${crypto.randomUUID()}`;
    await admin(token, "POST", "/accounts/claude-console", { name: "secret", apiKey });
    const key = await createKey(token);
    const accounts = JSON.stringify((await admin(token, "GET", "/accounts")).body);
    expect(accounts).not.toContain(apiKey);
    expect(accounts).not.toContain("credentials");
    const keys = JSON.stringify((await admin(token, "GET", "/keys")).body);
    expect(keys).not.toContain(key.secret);
    expect(keys).not.toMatch(/"hash"/);
  });

  it("never writes relay keys or upstream credentials to the logs", async () => {
    const lines: string[] = [];
    for (const method of ["log", "warn", "error", "info", "debug"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      });
    }
    const fresh = await freshKeyspace();
    await createConsoleAccount(fresh, "500");
    const key = await createKey(fresh);
    await (await messages(key.secret, {})).text();
    await (await messages(`cr_${"a".repeat(64)}`, {})).text();
    await (await messages(key.secret, {}, { "content-type": "application/json" })).text();
    await (
      await SELF.fetch(`${BASE}/api/v1/messages?key=${key.secret}`, { method: "POST", body: "{" })
    ).text();
    const text = lines.join("\n");
    // The requests were logged (with their ids)…
    expect(lines.filter((line) => line.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(4);
    expect(text).toMatch(/"requestId":"req_/);
    // …and no secret with them.
    expect(text).not.toContain(key.secret);
    expect(text).not.toContain(key.secret.slice(3, 40));
    expect(text).not.toMatch(/sk-ant-500-/);
  });
});
