// Account groups: a key bound to `group:<id>` is served only by the group's members (failover
// included), unbound keys use the whole pool, and the admin API guards membership and deletion.
import { beforeEach, describe, expect, it } from "vitest";
import { type Candidate, choose, eligible } from "../../durable-objects/account-pool/selection.ts";
import {
  accountRecord,
  admin,
  createConsoleAccount,
  createKey,
  freshKeyspace,
  messages,
  poolCandidate,
  messageText as textOf,
} from "./helpers.ts";

interface Group {
  id: string;
  name: string;
  platform: string;
  memberIds: string[];
  boundKeys: { id: string; name: string }[];
}

const candidate = (id: string, priority = 50): Candidate => poolCandidate(accountRecord(id, { priority }));

describe("group selection (pure)", () => {
  const all = [candidate("outsider", 1), candidate("m1", 50), candidate("m2", 60)];
  const groups = new Map([["g", new Set(["m1", "m2"])]]);
  const request = { model: "claude-sonnet-4-5", exclude: [] as string[] };

  it("narrows the pool to the group, sticky included", () => {
    const bound = { ...request, boundAccountId: "group:g" };
    const pool = eligible(all, bound, groups);
    expect(pool.candidates.map((c) => c.record.id)).toEqual(["m1", "m2"]);
    expect(choose(pool.candidates, bound, undefined, 0)).toMatchObject({
      candidate: { record: { id: "m1" } },
      via: "pool",
    });
    // A sticky account outside the group is not used.
    expect(choose(pool.candidates, bound, "outsider", 0)).toMatchObject({
      candidate: { record: { id: "m1" } },
    });
    expect(choose(pool.candidates, bound, "m2", 0)).toMatchObject({
      candidate: { record: { id: "m2" } },
      via: "sticky",
    });
  });

  it("has no candidates for an unknown group, and the whole pool without a group", () => {
    expect(eligible(all, { ...request, boundAccountId: "group:nope" }, groups).candidates).toEqual([]);
    expect(eligible(all, request, groups).candidates).toHaveLength(3);
    expect(eligible(all, { ...request, boundAccountId: "m2" }, groups).candidates).toHaveLength(3);
  });
});

describe("account groups through the relay", () => {
  let token: string;

  beforeEach(async () => {
    token = await freshKeyspace();
  });

  async function group(body: Record<string, unknown>) {
    const created = await admin<{ group: Group }>(token, "POST", "/groups", body);
    expect(created.status).toBe(201);
    return created.body.group;
  }

  it("serves a group-bound key only from the group's members; unbound keys use the whole pool", async () => {
    const outsider = await createConsoleAccount(token, "text-outsider", { priority: 1 });
    const m1 = await createConsoleAccount(token, "text-member1", { priority: 50 });
    const m2 = await createConsoleAccount(token, "text-member2", { priority: 50 });
    const g = await group({ name: "team", platform: "claude", memberIds: [m1, m2] });
    expect(g.memberIds.sort()).toEqual([m1, m2].sort());

    const bound = await createKey(token, { boundAccounts: { claude: `group:${g.id}` } });
    const unbound = await createKey(token);
    const served = new Set<string | undefined>();
    for (let i = 0; i < 4; i++) {
      // A different first message each time: no sticky session, so LRU spreads over the group.
      const response = await messages(bound.secret, { messages: [{ role: "user", content: `q${i}` }] });
      expect(response.status).toBe(200);
      served.add(await textOf(response));
    }
    expect([...served].sort()).toEqual(["member1", "member2"]);

    const response = await messages(unbound.secret, {});
    expect(await textOf(response)).toBe("outsider");
    expect(outsider).toBeTruthy();
  });

  it("fails over inside the group and never to an account outside it", async () => {
    await createConsoleAccount(token, "text-outsider", { priority: 1 });
    const broken = await createConsoleAccount(token, "500", { priority: 10 });
    const healthy = await createConsoleAccount(token, "text-member-ok", { priority: 90 });
    const g = await group({ name: "failover", platform: "claude", memberIds: [broken, healthy] });
    const key = await createKey(token, { boundAccounts: { claude: `group:${g.id}` } });
    const response = await messages(key.secret, {});
    expect(response.status).toBe(200);
    expect(await textOf(response)).toBe("member-ok");

    // With the healthy member gone, the group's only member fails: no escape to the outsider.
    const patched = await admin<{ group: Group }>(token, "PATCH", `/groups/${g.id}`, { memberIds: [broken] });
    expect(patched.status).toBe(200);
    const failed = await messages(key.secret, {});
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(JSON.stringify(await failed.json())).not.toContain("outsider");
  });

  it("refuses a key bound to an empty group with a clear error", async () => {
    await createConsoleAccount(token, "text-outsider");
    const g = await group({ name: "empty", platform: "claude" });
    const key = await createKey(token, { boundAccounts: { claude: `group:${g.id}` } });
    const response = await messages(key.secret, {});
    expect(response.status).toBe(503);
    expect(JSON.stringify(await response.json())).toContain("group has no accounts");
  });
});

describe("admin API for groups", () => {
  let token: string;

  beforeEach(async () => {
    token = await freshKeyspace();
  });

  it("creates, lists, renames, changes members and deletes", async () => {
    const a = await createConsoleAccount(token, "ok");
    const created = await admin<{ group: Group }>(token, "POST", "/groups", {
      name: "alpha",
      platform: "claude",
      description: "first",
      memberIds: [a, a],
    });
    expect(created.status).toBe(201);
    const id = created.body.group.id;
    expect(created.body.group).toMatchObject({ name: "alpha", platform: "claude", memberIds: [a] });

    const list = await admin<{ groups: Group[] }>(token, "GET", "/groups");
    expect(list.body.groups.map((g) => g.id)).toEqual([id]);
    expect((await admin<{ groups: Group[] }>(token, "GET", "/groups?platform=gemini")).body.groups).toEqual(
      [],
    );

    const renamed = await admin<{ group: Group }>(token, "PATCH", `/groups/${id}`, {
      name: "beta",
      memberIds: [],
    });
    expect(renamed.body.group).toMatchObject({ name: "beta", memberIds: [], description: "first" });
    expect((await admin(token, "GET", `/groups/${id}`)).status).toBe(200);

    expect((await admin(token, "DELETE", `/groups/${id}`)).status).toBe(200);
    expect((await admin(token, "GET", `/groups/${id}`)).status).toBe(404);
  });

  it("validates platform, members and the platform never changes", async () => {
    const claude = await createConsoleAccount(token, "ok");
    expect((await admin(token, "POST", "/groups", { name: "x", platform: "nope" })).status).toBe(400);
    expect((await admin(token, "POST", "/groups", { name: "", platform: "claude" })).status).toBe(400);
    const wrong = await admin<{ error: { message: string } }>(token, "POST", "/groups", {
      name: "g",
      platform: "gemini",
      memberIds: [claude],
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain("not a gemini account");
    expect(
      (await admin(token, "POST", "/groups", { name: "g", platform: "claude", memberIds: ["ghost"] })).status,
    ).toBe(400);
    const g = await admin<{ group: Group }>(token, "POST", "/groups", { name: "g", platform: "claude" });
    expect((await admin(token, "PATCH", `/groups/${g.body.group.id}`, { platform: "gemini" })).status).toBe(
      400,
    );
  });

  it("checks key bindings and refuses to delete a group with members or bound keys (409)", async () => {
    const a = await createConsoleAccount(token, "ok");
    const g = (
      await admin<{ group: Group }>(token, "POST", "/groups", {
        name: "g",
        platform: "claude",
        memberIds: [a],
      })
    ).body.group;
    const geminiGroup = (
      await admin<{ group: Group }>(token, "POST", "/groups", { name: "gg", platform: "gemini" })
    ).body.group;

    expect(
      (await admin(token, "POST", "/keys", { name: "k", boundAccounts: { claude: "group:missing" } })).status,
    ).toBe(400);
    expect(
      (
        await admin(token, "POST", "/keys", {
          name: "k",
          boundAccounts: { claude: `group:${geminiGroup.id}` },
        })
      ).status,
    ).toBe(400);
    expect(
      (await admin(token, "POST", "/keys", { name: "k", boundAccounts: { claude: "no-such-account" } }))
        .status,
    ).toBe(400);
    expect((await admin(token, "POST", "/keys", { name: "k", boundAccounts: { moon: a } })).status).toBe(400);

    const key = await createKey(token, { name: "bound", boundAccounts: { claude: `group:${g.id}` } });
    const shown = await admin<{ group: Group }>(token, "GET", `/groups/${g.id}`);
    expect(shown.body.group.boundKeys).toEqual([{ id: key.id, name: "bound" }]);

    expect((await admin(token, "DELETE", `/groups/${g.id}`)).status).toBe(409);
    await admin(token, "PATCH", `/groups/${g.id}`, { memberIds: [] });
    const stillBound = await admin<{ error: { type: string } }>(token, "DELETE", `/groups/${g.id}`);
    expect(stillBound).toMatchObject({ status: 409, body: { error: { type: "group_in_use" } } });

    const unbound = await admin<{ key: { boundAccounts: Record<string, string> } }>(
      token,
      "PATCH",
      `/keys/${key.id}`,
      {
        boundAccounts: { claude: "" },
      },
    );
    expect(unbound.body.key.boundAccounts).toEqual({});
    expect((await admin(token, "DELETE", `/groups/${g.id}`)).status).toBe(200);
  });
});
