// Abuse and secrets: forged admin tokens, brute force, credentials that must never show up in
// answers or logs, and one user's key or session reading nothing of another's.
import { SELF } from "cloudflare:test";
import { SignJWT } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  admin,
  BASE,
  createConsoleAccount,
  createKey,
  freshKeyspace,
  messages,
  testEnv,
  waitFor,
} from "./helpers.ts";

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

describe("a key of one user cannot read another's stats", () => {
  interface Owner {
    id: string;
    session: string;
    key: { id: string; secret: string };
  }
  let alice: Owner;
  let bob: Owner;
  let adminToken: string;

  const portal = async (session: string, method: string, path: string) => {
    const response = await SELF.fetch(`${BASE}/users${path}`, {
      method,
      headers: { authorization: `Bearer ${session}` },
    });
    return { status: response.status, text: await response.text() };
  };
  const stats = async (path: string, body: unknown, ip: string) => {
    const response = await SELF.fetch(`${BASE}/apiStats/api/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": ip },
      body: JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  };

  async function owner(username: string, model: string, requests: number): Promise<Owner> {
    const password = `${username}-password-1`;
    const created = await admin<{ user: { id: string } }>(adminToken, "POST", "/users", {
      username,
      password,
    });
    expect(created.status).toBe(201);
    const login = await SELF.fetch(`${BASE}/users/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    const session = ((await login.json()) as { token: string }).token;
    const made = await SELF.fetch(`${BASE}/users/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${session}`, "content-type": "application/json" },
      body: JSON.stringify({ name: `${username}'s key` }),
    });
    expect(made.status).toBe(201);
    const { key, secret } = (await made.json()) as { key: { id: string }; secret: string };
    for (let i = 0; i < requests; i++) await (await messages(secret, { model })).text();
    return { id: created.body.user.id, session, key: { id: key.id, secret } };
  }

  beforeAll(async () => {
    adminToken = await freshKeyspace();
    await createConsoleAccount(adminToken, "ok");
    alice = await owner("alice", "claude-sonnet-4-5", 2);
    bob = await owner("bob", "claude-haiku-4-5", 3);
    for (const who of [alice, bob]) {
      await waitFor(
        async () => (await portal(who.session, "GET", `/keys/${who.key.id}/usage`)).text,
        (text) =>
          (JSON.parse(text) as { total?: { requests: number } }).total?.requests === (who === alice ? 2 : 3),
      );
    }
  });

  it("the public stats API answers the key's own numbers, whatever other id the body names", async () => {
    let ip = 0;
    for (const path of ["get-key-id", "user-stats", "user-model-stats"]) {
      for (const extra of [
        { apiId: bob.key.id },
        { keyId: bob.key.id, id: bob.key.id, userId: bob.id },
        { apiKey: [alice.key.secret, bob.key.secret] },
      ]) {
        const body = { apiKey: alice.key.secret, ...extra };
        const answer = await stats(path, body, `198.51.100.${++ip}`);
        if (Array.isArray(body.apiKey)) {
          // Not a key at all: refused, and nothing of either key shown.
          expect(answer.status).toBe(401);
          expect(answer.text).not.toContain(alice.key.id);
        } else {
          expect(answer.status, answer.text).toBe(200);
          if (path !== "user-model-stats") expect(answer.text).toContain(alice.key.id);
          if (path === "user-stats") {
            const data = (JSON.parse(answer.text) as { data: { usage: { total: { requests: number } } } })
              .data;
            expect(data.usage.total.requests).toBe(2);
          }
          if (path === "user-model-stats") {
            expect(answer.text).toContain("claude-sonnet-4-5");
            expect(answer.text).not.toContain("claude-haiku-4-5");
          }
        }
        expect(answer.text).not.toContain(bob.key.id);
        expect(answer.text).not.toContain(bob.key.secret.slice(0, 24));
      }
    }
  });

  it("the user portal shows one user's session nothing of another's key, by id or by guessing", async () => {
    const mine = await portal(alice.session, "GET", "/keys");
    expect(mine.text).toContain(alice.key.id);
    expect(mine.text).not.toContain(bob.key.id);
    const other = bob.key.id;
    for (const id of [
      other,
      other.toUpperCase(),
      `${other}%20`,
      encodeURIComponent(`../keys/${other}`),
      `${alice.key.id}%2F..%2F${other}`,
      crypto.randomUUID(),
    ]) {
      for (const [method, path] of [
        ["GET", `/keys/${id}`],
        ["GET", `/keys/${id}/usage`],
        ["DELETE", `/keys/${id}`],
      ] as const) {
        const answer = await portal(alice.session, method, path);
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect(answer.text).not.toContain("haiku");
      }
    }
    expect((await portal(bob.session, "GET", `/keys/${other}`)).status).toBe(200);
  });

  it("a relay key is no portal session and a session no relay key", async () => {
    for (const credential of [bob.key.secret, alice.key.secret]) {
      expect((await portal(credential, "GET", "/keys")).status).toBe(401);
      expect((await portal(credential, "GET", `/keys/${bob.key.id}/usage`)).status).toBe(401);
    }
    expect((await stats("user-stats", { apiKey: alice.session }, "198.51.100.200")).status).toBe(401);
    expect((await messages(alice.session, {})).status).toBe(401);
    // Another user's session cannot use an admin route to read usage either.
    const viaAdmin = await SELF.fetch(`${BASE}/admin/keys/${bob.key.id}/usage`, {
      headers: { authorization: `Bearer ${alice.session}` },
    });
    expect(viaAdmin.status).toBe(401);
  });
});
