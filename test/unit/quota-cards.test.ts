// Quota cards (each code redeemed once, atomically), booster packs through the admin API and the
// public stats page, and rated cost through the running Worker.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  admin,
  BASE,
  createConsoleAccount,
  createKey,
  freshKeyspace,
  keyUsageAfter,
  messages,
  waitFor,
} from "./helpers.ts";

interface Card {
  code: string;
  type: "quota" | "time";
  status: string;
  redeemedKeyId?: string;
}
interface PackState {
  packs: { id: string; amountMicroUsd: number; usedMicroUsd: number; source: string; cardCode?: string }[];
  draws: { requestId: string; amountMicroUsd: number }[];
  leftMicroUsd: number;
}

const redeem = (apiKey: string, code: string, address = "203.0.113.9") =>
  SELF.fetch(`${BASE}/apiStats/api/redeem-card`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": address },
    body: JSON.stringify({ apiKey, code }),
  });

const userStats = async (apiKey: string) => {
  const response = await SELF.fetch(`${BASE}/apiStats/api/user-stats`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiKey }),
  });
  return ((await response.json()) as { data: Record<string, unknown> }).data;
};

async function createCards(token: string, body: Record<string, unknown>) {
  const created = await admin<{ cards: Card[] }>(token, "POST", "/quota-cards", body);
  expect(created.status).toBe(201);
  return created.body.cards;
}

describe("quota cards", () => {
  it("a card redeems once under 50 concurrent redemptions by 50 keys, and once for a key sending it 50 times", async () => {
    const token = await freshKeyspace();
    const [card] = await createCards(token, { type: "quota", quotaAmount: 5, note: "launch" });
    if (!card) throw new Error("no card");
    expect(card.code).toMatch(/^QC-[A-Z0-9]{4}-/);
    const keys = await Promise.all(Array.from({ length: 50 }, (_, i) => createKey(token, { name: `k${i}` })));
    const answers = await Promise.all(keys.map((key, i) => redeem(key.secret, card.code, `198.51.100.${i}`)));
    const ok = answers.flatMap((response, i) => (response.status === 200 ? [i] : []));
    expect(ok).toHaveLength(1);
    const refusals = await Promise.all(answers.filter((r) => r.status !== 200).map((r) => r.json()));
    expect(
      refusals.every((r) => (r as { error: string }).error === "This card has been redeemed already"),
    ).toBe(true);
    const winner = keys[ok[0] ?? -1];
    if (!winner) throw new Error("no winner");
    // Only the winner has the pack; the card names it.
    for (const key of keys) {
      const { body } = await admin<PackState>(token, "GET", `/keys/${key.id}/packs`);
      expect(body.leftMicroUsd).toBe(key === winner ? 5_000_000 : 0);
    }
    const { body: listed } = await admin<{ cards: Card[] }>(token, "GET", "/quota-cards");
    expect(listed.cards).toMatchObject([{ code: card.code, status: "redeemed", redeemedKeyId: winner.id }]);

    // One key sending a fresh card 50 times at once: one pack of it.
    const [second] = await createCards(token, { type: "quota", quotaAmount: 1 });
    if (!second) throw new Error("no card");
    const again = await Promise.all(Array.from({ length: 50 }, () => redeem(winner.secret, second.code)));
    expect(again.every((r) => r.status === 200)).toBe(true);
    const { body } = await admin<PackState>(token, "GET", `/keys/${winner.id}/packs`);
    expect(body.packs.map((p) => [p.source, p.amountMicroUsd])).toEqual([
      ["card", 5_000_000],
      ["card", 1_000_000],
    ]);
  }, 30_000);

  it("a time card adds days to a key's expiry once; a disabled, unknown or expired card is refused", async () => {
    const token = await freshKeyspace();
    const expiresAt = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const key = await createKey(token, { expiry: { mode: "fixed", expiresAt } });
    const never = await createKey(token, { name: "never" });
    const [time, disabled, lapsed] = [
      ...(await createCards(token, { type: "time", timeAmount: 30 })),
      ...(await createCards(token, { type: "quota", quotaAmount: 2 })),
      ...(await createCards(token, {
        type: "quota",
        quotaAmount: 2,
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      })),
    ];
    if (!time || !disabled || !lapsed) throw new Error("cards");
    // A key that never expires gains nothing: refused, and the card stays usable.
    const refusedNever = await redeem(never.secret, time.code);
    expect(refusedNever.status).toBe(400);
    const first = await redeem(key.secret, time.code.toLowerCase());
    expect(first.status).toBe(200);
    const { data } = (await first.json()) as { data: { expiresAt: string } };
    expect(Date.parse(data.expiresAt)).toBe(Date.parse(expiresAt) + 30 * 86_400_000);
    // Redeemed again by the same key (a retry): the days are not added twice.
    const retry = (await (await redeem(key.secret, time.code)).json()) as { data: { expiresAt: string } };
    expect(retry.data.expiresAt).toBe(data.expiresAt);
    const { body: stored } = await admin<{ key: { expiry: { expiresAt: string } } }>(
      token,
      "GET",
      `/keys/${key.id}`,
    );
    expect(stored.key.expiry.expiresAt).toBe(data.expiresAt);

    expect((await admin(token, "POST", `/quota-cards/${disabled.code}/disable`)).status).toBe(200);
    const refusedDisabled = await redeem(key.secret, disabled.code);
    expect(await refusedDisabled.json()).toMatchObject({ error: "This card has been disabled" });
    expect(await (await redeem(key.secret, lapsed.code)).json()).toMatchObject({
      error: "This card has expired",
    });
    expect(await (await redeem(key.secret, "QC-NONE-SUCH-CODE")).json()).toMatchObject({
      error: "No such card",
    });
    // A wrong key is the stats page's one 401.
    expect((await redeem("cr_wrong-key-000000", time.code)).status).toBe(401);
  });

  it("the user portal redeems a card for the user's own key only", async () => {
    const token = await freshKeyspace();
    expect(
      (await admin(token, "POST", "/users", { username: "ann", password: "correct-horse-1" })).status,
    ).toBe(201);
    const login = await SELF.fetch(`${BASE}/users/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "ann", password: "correct-horse-1" }),
    });
    const { token: session } = (await login.json()) as { token: string };
    const portal = (method: string, path: string, body?: unknown) =>
      SELF.fetch(`${BASE}/users${path}`, {
        method,
        headers: { authorization: `Bearer ${session}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const created = (await (await portal("POST", "/keys", { name: "mine" })).json()) as {
      key: { id: string };
    };
    const other = await createKey(token, { name: "not hers" });
    const [card] = await createCards(token, { type: "quota", quotaAmount: 3 });
    if (!card) throw new Error("no card");
    expect((await portal("POST", `/keys/${other.id}/redeem-card`, { code: card.code })).status).toBe(404);
    const redeemed = await portal("POST", `/keys/${created.key.id}/redeem-card`, { code: card.code });
    expect(redeemed.status).toBe(200);
    expect(await redeemed.json()).toMatchObject({ packsLeftMicroUsd: 3_000_000 });
  });
});

describe("booster packs and rated cost through the Worker", () => {
  it("an admin's pack serves a key past its daily limit; draws and packs show on the stats page", async () => {
    const token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    const key = await createKey(token, { limits: { dailyCostLimit: 0.000001 } });
    const first = await messages(key.secret, {});
    expect(first.status).toBe(200);
    await first.text();
    const refused = await waitFor(
      async () => messages(key.secret, {}),
      (r) => r.status === 402,
    );
    expect(refused.status).toBe(402);
    const granted = await admin<PackState>(token, "POST", `/keys/${key.id}/packs`, {
      amountUsd: 1,
      note: "sorry",
    });
    expect(granted.status).toBe(201);
    const served = await messages(key.secret, {});
    expect(served.status).toBe(200);
    await served.text();
    const { body } = await waitFor(
      () => admin<PackState>(token, "GET", `/keys/${key.id}/packs`),
      (r) => r.body.draws.length > 0,
    );
    expect(body.draws).toHaveLength(1);
    expect(body.packs[0]?.usedMicroUsd).toBe(body.draws[0]?.amountMicroUsd);
    const stats = (await userStats(key.secret)) as {
      boosterPacks: { packs: { note: string; used: number }[]; draws: unknown[] };
    };
    expect(stats.boosterPacks.packs).toMatchObject([{ note: "sorry" }]);
    expect(stats.boosterPacks.draws).toHaveLength(1);
  });

  it("rated cost drives the limit: service rate 3 × key multiplier 2 reach a limit of 4× the real cost on the second request", async () => {
    const token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    // One request's real cost, on a key without limits.
    const probe = await createKey(token, { name: "probe" });
    await (await messages(probe.secret, {})).text();
    const real = (await keyUsageAfter(token, probe.id, 1)).costMicroUsd;
    expect(real).toBeGreaterThan(0);
    const rates = await admin(token, "PUT", "/settings/service-rates", {
      rates: { claude: 10 },
      modelRates: [{ model: "claude-sonnet*", rate: 3 }],
    });
    expect(rates.status).toBe(200);
    const key = await createKey(token, {
      limits: { dailyCostLimit: (4 * real) / 1_000_000, rateMultiplier: 2 },
    });
    const first = await messages(key.secret, {});
    expect(first.status).toBe(200);
    await first.text();
    // Real cost so far is a quarter of the limit; rated (×6) is past it.
    const refused = await waitFor(
      async () => messages(key.secret, {}),
      (r) => r.status === 402,
    );
    expect(refused.status).toBe(402);
    const usage = await keyUsageAfter(token, key.id, 1);
    expect(usage.costMicroUsd).toBe(real);
    const { body: live } = await admin<{ spend: { dayCostMicroUsd: number } }>(
      token,
      "GET",
      `/keys/${key.id}/live`,
    );
    expect(live.spend.dayCostMicroUsd).toBeCloseTo(6 * real, 6);
    const stats = (await userStats(key.secret)) as {
      costs: { rateMultiplier: number; real: { today: number }; rated: { today: number } };
    };
    expect(stats.costs.rateMultiplier).toBe(2);
    expect(stats.costs.rated.today).toBeCloseTo(6 * stats.costs.real.today, 6);
    await admin(token, "PUT", "/settings/service-rates", { rates: {}, modelRates: [] });
  });
});
