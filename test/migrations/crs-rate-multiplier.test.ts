// The original's per-key service rates (`serviceRates`) become the key's rateMultiplier.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { mapRelayKey } from "../../migrations/crs/map-keys.ts";
import type { RelayKeyRecord } from "../../worker/keyspace/records/relay-keys.ts";

const ctx = { accounts: new Map(), groups: new Map(), users: null };
const fields = (extra: Record<string, string> = {}) => ({
  id: "k1",
  name: "k",
  apiKey: createHash("sha256").update("cr_k1").digest("hex"),
  isActive: "true",
  createdAt: "2025-06-01T08:00:00.000Z",
  ...extra,
});

async function mapped(extra: Record<string, string>, here: RelayKeyRecord | null = null) {
  const result = await mapRelayKey("k1", fields(extra), ctx, here);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

describe("CRS per-key service rates", () => {
  it("one rate for every service becomes the multiplier", async () => {
    const { value } = await mapped({
      serviceRates: JSON.stringify({ claude: 1.5, codex: 1.5, gemini: 1.5 }),
    });
    expect(value.record.limits.rateMultiplier).toBe(1.5);
  });

  it("rates that differ keep Claude's and say so; none or empty is 1", async () => {
    const differ = await mapped({ serviceRates: JSON.stringify({ codex: 0.5, claude: 2 }) });
    expect(differ.value.record.limits.rateMultiplier).toBe(2);
    expect(JSON.stringify(differ)).toMatch(/serviceRates differ per service/);
    expect((await mapped({ serviceRates: "{}" })).value.record.limits.rateMultiplier).toBe(1);
    expect((await mapped({})).value.record.limits.rateMultiplier).toBe(1);
  });

  it("a record without serviceRates keeps the multiplier set here", async () => {
    const first = await mapped({ serviceRates: JSON.stringify({ claude: 3 }) });
    const again = await mapped({}, first.value.record);
    expect(again.value.record.limits.rateMultiplier).toBe(3);
  });
});
