// Dedicated (non-shared) accounts: they stay out of the pool unbound keys use, and serve only a
// key bound to them or to a group they belong to — sticky sessions and failover included.
import { beforeEach, describe, expect, it } from "vitest";
import { type Candidate, choose, eligible } from "../../durable-objects/account-pool/selection.ts";
import type { AccountRecord } from "../../worker/keyspace/records/accounts.ts";
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

const candidate = (id: string, priority: number, shared: boolean): Candidate =>
  poolCandidate(accountRecord(id, { priority, shared }));

describe("dedicated selection (pure)", () => {
  const all = [candidate("vip", 1, false), candidate("other-vip", 2, false), candidate("pool", 50, true)];
  const groups = new Map([["g", new Set(["other-vip"])]]);
  const request = { model: "claude-sonnet-4-5", exclude: [] as string[] };
  const ids = (cs: Candidate[]) => cs.map((c) => c.record.id);

  it("an unbound key sees only shared accounts, even when a dedicated one is sticky", () => {
    const pool = eligible(all, request, groups);
    expect(ids(pool.candidates)).toEqual(["pool"]);
    expect(choose(pool.candidates, request, "vip", 0)).toMatchObject({
      candidate: { record: { id: "pool" } },
      via: "pool",
    });
  });

  it("a key bound to a dedicated account gets it, and fails over to the shared pool only", () => {
    const bound = { ...request, boundAccountId: "vip" };
    const pool = eligible(all, bound, groups);
    expect(ids(pool.candidates)).toEqual(["vip", "pool"]);
    expect(choose(pool.candidates, bound, undefined, 0)).toMatchObject({
      candidate: { record: { id: "vip" } },
      via: "bound",
    });
    const failover = { ...bound, exclude: ["vip"] };
    expect(choose(pool.candidates, failover, "other-vip", 0)).toMatchObject({
      candidate: { record: { id: "pool" } },
      via: "pool",
    });
  });

  it("a group-bound key is served by a dedicated member", () => {
    const bound = { ...request, boundAccountId: "group:g" };
    const pool = eligible(all, bound, groups);
    expect(ids(pool.candidates)).toEqual(["other-vip"]);
    expect(choose(pool.candidates, bound, undefined, 0)).toMatchObject({
      candidate: { record: { id: "other-vip" } },
    });
  });

  it("takes a record without the field (an older stored copy) as shared", () => {
    const old = candidate("old", 5, true);
    const { shared: _dropped, ...record } = old.record;
    const legacy = { ...old, record: record as AccountRecord };
    expect(ids(eligible([legacy], request, groups).candidates)).toEqual(["old"]);
  });
});

describe("dedicated accounts through the relay", () => {
  let token: string;

  beforeEach(async () => {
    token = await freshKeyspace();
  });

  it("never serves an unbound key from a dedicated account; a key bound to it is served by it", async () => {
    // The dedicated account is preferred by priority: were it in the pool, it would win.
    const vip = await createConsoleAccount(token, "text-vip", { priority: 1, shared: false });
    await createConsoleAccount(token, "text-pool", { priority: 50 });
    const unbound = await createKey(token);
    const bound = await createKey(token, { boundAccounts: { claude: vip } });

    const body = { messages: [{ role: "user", content: "the same conversation" }] };
    // The bound key goes first and makes its dedicated account this conversation's sticky one.
    const first = await messages(bound.secret, body);
    expect(first.status).toBe(200);
    expect(await textOf(first)).toBe("vip");
    for (let i = 0; i < 3; i++) {
      const response = await messages(
        unbound.secret,
        i === 0 ? body : { messages: [{ role: "user", content: `q${i}` }] },
      );
      expect(response.status).toBe(200);
      expect(await textOf(response)).toBe("pool");
    }
    const again = await messages(bound.secret, { messages: [{ role: "user", content: "another" }] });
    expect(await textOf(again)).toBe("vip");
  });

  it("serves a group-bound key from a dedicated member", async () => {
    await createConsoleAccount(token, "text-pool", { priority: 1 });
    const member = await createConsoleAccount(token, "text-member", { shared: false });
    const group = await admin<{ group: { id: string } }>(token, "POST", "/groups", {
      name: "vip-team",
      platform: "claude",
      memberIds: [member],
    });
    expect(group.status).toBe(201);
    const key = await createKey(token, { boundAccounts: { claude: `group:${group.body.group.id}` } });
    for (let i = 0; i < 2; i++) {
      const response = await messages(key.secret, { messages: [{ role: "user", content: `g${i}` }] });
      expect(response.status).toBe(200);
      expect(await textOf(response)).toBe("member");
    }
  });

  it("refuses an unbound key when only dedicated accounts exist", async () => {
    await createConsoleAccount(token, "text-vip", { shared: false });
    const response = await messages((await createKey(token)).secret, {});
    expect(response.status).toBe(503);
    expect(JSON.stringify(await response.json())).toContain("No claude accounts");
  });

  it("admin API: accounts are shared by default; PATCH moves one in and out of the shared pool", async () => {
    const id = await createConsoleAccount(token, "text-switch");
    const listed = await admin<{ accounts: { id: string; shared: boolean }[] }>(token, "GET", "/accounts");
    expect(listed.body.accounts.find((a) => a.id === id)?.shared).toBe(true);
    const key = await createKey(token);
    expect(await textOf(await messages(key.secret, {}))).toBe("switch");

    const dedicated = await admin<{ account: { shared: boolean } }>(token, "PATCH", `/accounts/${id}`, {
      shared: false,
    });
    expect(dedicated.status).toBe(200);
    expect(dedicated.body.account.shared).toBe(false);
    expect((await messages(key.secret, {})).status).toBe(503);

    await admin(token, "PATCH", `/accounts/${id}`, { shared: true });
    expect(await textOf(await messages(key.secret, {}))).toBe("switch");
    expect((await admin(token, "PATCH", `/accounts/${id}`, { shared: "no" })).status).toBe(400);
  });
});
