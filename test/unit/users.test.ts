// Portal users: login, their own keys within the admin's limits, isolation between users, and a
// disabled user's keys refused at once (through the Worker and at the key's gate).
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { RelayKeyRecord } from "../../worker/keyspace/records/relay-keys.ts";
import { admin, BASE, createConsoleAccount, freshKeyspace, messages, testEnv, waitFor } from "./helpers.ts";

let token: string;

interface UserView {
  id: string;
  username: string;
  isActive: boolean;
  maxKeys: number;
}
interface KeyView {
  id: string;
  ownerId?: string;
  ownerDisabled?: boolean;
  limits: RelayKeyRecord["limits"];
}
type ErrorBody = { error: { type: string; message: string } };

async function portal<T = unknown>(userToken: string | null, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (userToken) headers.authorization = `Bearer ${userToken}`;
  const response = await SELF.fetch(`${BASE}/users${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function login(username: string, password: string): Promise<string> {
  const result = await portal<{ token: string }>(null, "POST", "/login", { username, password });
  if (result.status !== 200) throw new Error(`login failed: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body.token;
}

async function newUser(username: string, extra: Record<string, unknown> = {}) {
  const created = await admin<{ user: UserView; password?: string }>(token, "POST", "/users", {
    username,
    password: `${username}-password-1`,
    ...extra,
  });
  expect(created.status).toBe(201);
  return created.body.user;
}

async function newKey(userToken: string, name: string, extra: Record<string, unknown> = {}) {
  const created = await portal<{ key: KeyView; secret: string }>(userToken, "POST", "/keys", {
    name,
    ...extra,
  });
  expect(created.status).toBe(201);
  return created.body;
}

let alice: UserView;
let bob: UserView;
let aliceToken: string;
let bobToken: string;
let aliceKeys: { key: KeyView; secret: string }[] = [];
let bobKey: { key: KeyView; secret: string };

beforeAll(async () => {
  token = await freshKeyspace();
  await createConsoleAccount(token, "ok");
  alice = await newUser("alice", { maxKeys: 2, keyLimits: { dailyCostLimit: 5, concurrencyLimit: 3 } });
  bob = await newUser("bob");
  aliceToken = await login("alice", "alice-password-1");
  bobToken = await login("bob", "bob-password-1");
});

describe("user portal", () => {
  it("refuses a wrong password, and a name taken twice", async () => {
    const wrong = await portal<ErrorBody>(null, "POST", "/login", {
      username: "alice",
      password: "nope-nope",
    });
    expect(wrong.status).toBe(401);
    const unknown = await portal<ErrorBody>(null, "POST", "/login", {
      username: "nobody",
      password: "nope-nope",
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
    const taken = await admin<ErrorBody>(token, "POST", "/users", {
      username: "ALICE",
      password: "whatever-1",
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.type).toBe("username_taken");
  });

  it("creates keys up to the user's maximum with the admin's limits, and refuses the next clearly", async () => {
    const me = await portal<{ user: UserView; keys: { count: number; max: number } }>(
      aliceToken,
      "GET",
      "/me",
    );
    expect(me.status).toBe(200);
    expect(me.body.user.username).toBe("alice");
    expect(me.body.keys).toEqual({ count: 0, max: 2 });
    expect(JSON.stringify(me.body)).not.toContain("passwordHash");

    // Asking for a looser cap gets the admin's; a tighter one is kept.
    const first = await newKey(aliceToken, "laptop", { limits: { dailyCostLimit: 50 } });
    const second = await newKey(aliceToken, "ci", { limits: { dailyCostLimit: 2 } });
    aliceKeys = [first, second];
    expect(first.secret).toMatch(/^cr_[0-9a-f]{64}$/);
    expect(first.key.ownerId).toBe(alice.id);
    expect(first.key.limits).toMatchObject({ dailyCostLimit: 5, concurrencyLimit: 3 });
    expect(second.key.limits).toMatchObject({ dailyCostLimit: 2, concurrencyLimit: 3 });

    const third = await portal<ErrorBody>(aliceToken, "POST", "/keys", { name: "one too many" });
    expect(third.status).toBe(403);
    expect(third.body.error.type).toBe("max_keys_reached");
    expect(third.body.error.message).toMatch(/2 of 2 keys/);

    // The key works through the relay.
    const relayed = await messages(first.secret, {});
    expect(relayed.status).toBe(200);
    await relayed.text();
  });

  it("shows a user only their own keys and usage: another user's key id is a 404", async () => {
    bobKey = await newKey(bobToken, "bob's");
    const list = await portal<{ keys: KeyView[] }>(aliceToken, "GET", "/keys");
    expect(list.body.keys.map((k) => k.id).sort()).toEqual(aliceKeys.map((k) => k.key.id).sort());

    for (const [method, path] of [
      ["GET", `/keys/${bobKey.key.id}`],
      ["GET", `/keys/${bobKey.key.id}/usage`],
      ["DELETE", `/keys/${bobKey.key.id}`],
    ] as const) {
      const other = await portal<ErrorBody>(aliceToken, method, path);
      expect(other.status, `${method} ${path}`).toBe(404);
    }
    const own = aliceKeys[0]?.key.id ?? "";
    const usage = await waitFor(
      () =>
        portal<{ total: { requests: number }; recent: Record<string, unknown>[] }>(
          aliceToken,
          "GET",
          `/keys/${own}/usage`,
        ),
      (u) => u.body.total.requests === 1,
    );
    expect(usage.status).toBe(200);
    expect(usage.body.total.requests).toBe(1);
    expect(usage.body.recent[0]).not.toHaveProperty("accountId");
    // Bob's key is still there.
    expect((await portal(bobToken, "GET", `/keys/${bobKey.key.id}`)).status).toBe(200);
  });

  it("refuses a disabled user's keys at once, and lets them work again when enabled", async () => {
    const [first] = aliceKeys;
    if (!first) throw new Error("no key");
    const warm = await messages(first.secret, {});
    expect(warm.status).toBe(200);
    await warm.text();

    const disabled = await admin<{ user: UserView; keysChanged: number }>(
      token,
      "POST",
      `/users/${alice.id}/disable`,
    );
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ user: { isActive: false }, keysChanged: 2 });

    const refused = await messages(first.secret, {});
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as ErrorBody).error.message).toMatch(/owner is disabled/);
    // An isolate still holding the old record sends its old version stamp: the gate refuses it.
    const gate = testEnv.KEY_GATE.getByName(first.key.id);
    const stale = await gate.admit(
      { id: first.key.id, updatedAt: "2000-01-01T00:00:00.000Z" },
      { model: "claude-sonnet-4-5", platform: "claude", clients: [], counted: true },
    );
    expect(stale).toMatchObject({ admitted: false, denial: { code: "owner_disabled" } });

    // No login, and the session already held stops working.
    const noLogin = await portal<ErrorBody>(null, "POST", "/login", {
      username: "alice",
      password: "alice-password-1",
    });
    expect(noLogin.status).toBe(403);
    expect((await portal(aliceToken, "GET", "/me")).status).toBe(403);
    // Bob is untouched.
    const bobs = await messages(bobKey.secret, {});
    expect(bobs.status).toBe(200);
    await bobs.text();

    const enabled = await admin<{ keysChanged: number }>(token, "POST", `/users/${alice.id}/enable`);
    expect(enabled.body.keysChanged).toBe(2);
    const again = await messages(first.secret, {});
    expect(again.status).toBe(200);
    await again.text();
  });

  it("lets the admin list users with their key counts and a user's keys", async () => {
    const list = await admin<{ users: (UserView & { keyCount: number })[] }>(token, "GET", "/users");
    expect(list.status).toBe(200);
    expect(list.body.users.map((u) => [u.username, u.keyCount]).sort()).toEqual([
      ["alice", 2],
      ["bob", 1],
    ]);
    expect(JSON.stringify(list.body)).not.toContain("pbkdf2");
    const owned = await admin<{ keys: KeyView[] }>(token, "GET", `/users/${alice.id}/keys`);
    expect(owned.body.keys.map((k) => k.id).sort()).toEqual(aliceKeys.map((k) => k.key.id).sort());
    expect((await admin(token, "GET", "/users/nope/keys")).status).toBe(404);

    const changed = await admin<{
      user: UserView & { keyLimits: { dailyCostLimit: number; concurrencyLimit: number } };
    }>(token, "PATCH", `/users/${bob.id}`, { maxKeys: 3, keyLimits: { dailyCostLimit: 1 } });
    expect(changed.body.user).toMatchObject({
      maxKeys: 3,
      keyLimits: { dailyCostLimit: 1, concurrencyLimit: 0 },
    });
  });

  it("lets a user delete their own key, freeing a slot", async () => {
    const [, second] = aliceKeys;
    if (!second) throw new Error("no key");
    const deleted = await portal(aliceToken, "DELETE", `/keys/${second.key.id}`);
    expect(deleted.status).toBe(200);
    const refused = await messages(second.secret, {});
    expect(refused.status).toBe(401);
    await refused.text();
    const replacement = await newKey(aliceToken, "replacement");
    expect(replacement.key.ownerId).toBe(alice.id);
  });

  it("resets a password (generated, shown once) and ends the sessions issued before", async () => {
    // Tokens carry whole seconds: wait for the next one so the old session is strictly older.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const reset = await SELF.fetch(`${BASE}/admin/users/${bob.id}/reset-password`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(reset.status).toBe(200);
    const { password } = (await reset.json()) as { password: string };
    expect(password).toMatch(/^\S{16}$/);
    expect((await portal(bobToken, "GET", "/me")).status).toBe(401);
    expect(
      (await portal(null, "POST", "/login", { username: "bob", password: "bob-password-1" })).status,
    ).toBe(401);
    bobToken = await login("bob", password);
    expect((await portal(bobToken, "GET", "/me")).status).toBe(200);
  });

  it("shows a user their own key's stats in the public stats page's shape, and no one else's", async () => {
    const [first] = aliceKeys;
    if (!first) throw new Error("no key");
    type Stats = {
      data: {
        id: string;
        name: string;
        usage: { total: { requests: number } };
        limits: { dailyCostLimit: number; concurrencyLimit: number; currentDailyCost: number };
        daily: unknown[];
      };
    };
    const stats = await waitFor(
      () => portal<Stats>(aliceToken, "GET", `/keys/${first.key.id}/stats`),
      (s) => s.body.data.usage.total.requests >= 1,
    );
    expect(stats.status).toBe(200);
    expect(stats.body.data).toMatchObject({ id: first.key.id, name: "laptop" });
    expect(stats.body.data.limits).toMatchObject({ dailyCostLimit: 5, concurrencyLimit: 3 });
    expect(stats.body.data.daily).toHaveLength(30);
    // The same object the public page gets with the key itself.
    const publicAnswer = await SELF.fetch(`${BASE}/apiStats/api/user-stats`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiKey: first.secret }),
    });
    const publicStats = ((await publicAnswer.json()) as Stats).data;
    expect(Object.keys(stats.body.data).sort()).toEqual(Object.keys(publicStats).sort());
    expect(stats.body.data.usage).toEqual(publicStats.usage);

    const models = await portal<{ data: { model: string; requests: number }[]; period: string }>(
      aliceToken,
      "GET",
      `/keys/${first.key.id}/model-stats?period=alltime`,
    );
    expect(models.status).toBe(200);
    expect(models.body.period).toBe("alltime");
    expect(models.body.data.reduce((sum, m) => sum + m.requests, 0)).toBe(
      stats.body.data.usage.total.requests,
    );
    const badPeriod = await portal<ErrorBody>(
      aliceToken,
      "GET",
      `/keys/${first.key.id}/model-stats?period=year`,
    );
    expect(badPeriod.status).toBe(400);
    for (const path of [`/keys/${bobKey.key.id}/stats`, `/keys/${bobKey.key.id}/model-stats`]) {
      expect((await portal(aliceToken, "GET", path)).status, path).toBe(404);
    }
  });

  it("lets a user change their own password with the current one, ending their older sessions", async () => {
    const carol = await newUser("carol");
    const oldToken = await login("carol", "carol-password-1");
    const wrong = await portal<ErrorBody>(oldToken, "POST", "/password", {
      currentPassword: "not-my-password",
      newPassword: "carol-password-2",
    });
    // 403, not 401: the session itself is fine.
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.type).toBe("wrong_password");
    const short = await portal<ErrorBody>(oldToken, "POST", "/password", {
      currentPassword: "carol-password-1",
      newPassword: "short",
    });
    expect(short.status).toBe(400);
    expect(short.body.error.message).toMatch(/newPassword/);
    const same = await portal<ErrorBody>(oldToken, "POST", "/password", {
      currentPassword: "carol-password-1",
      newPassword: "carol-password-1",
    });
    expect(same.status).toBe(400);
    expect(same.body.error.type).toBe("same_password");

    // Tokens carry whole seconds: wait for the next one so the old session is strictly older.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const changed = await portal<{ token: string; user: UserView }>(oldToken, "POST", "/password", {
      currentPassword: "carol-password-1",
      newPassword: "carol-password-2",
    });
    expect(changed.status).toBe(200);
    expect(changed.body.user.id).toBe(carol.id);
    expect(JSON.stringify(changed.body)).not.toContain("pbkdf2");
    expect((await portal(oldToken, "GET", "/me")).status).toBe(401);
    expect((await portal(changed.body.token, "GET", "/me")).status).toBe(200);
    expect(
      (await portal(null, "POST", "/login", { username: "carol", password: "carol-password-1" })).status,
    ).toBe(401);
    await login("carol", "carol-password-2");
  });

  it("keeps user and admin tokens apart", async () => {
    expect((await admin(aliceToken, "GET", "/keys")).status).toBe(401);
    expect((await portal(token, "GET", "/me")).status).toBe(401);
    expect((await portal(null, "GET", "/keys")).status).toBe(401);
  });

  it("documents the portal in its own OpenAPI document", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/users/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/login",
        "/me",
        "/password",
        "/keys",
        "/keys/{id}",
        "/keys/{id}/usage",
        "/keys/{id}/stats",
        "/keys/{id}/model-stats",
      ]),
    );
  });
});
