// Changing a key through the admin API changes only what is named.
import { describe, expect, it } from "vitest";
import { admin, createKey, freshKeyspace } from "./helpers.ts";

describe("PATCH /admin/keys/{id}", () => {
  it("merges the limits it names and keeps every other limit", async () => {
    const token = await freshKeyspace();
    const key = await createKey(token, {
      limits: { concurrencyLimit: 3, totalCostLimit: 50, restrictedModels: ["claude-opus-4-1"] },
    });
    const changed = await admin<{ key: { limits: Record<string, unknown> } }>(
      token,
      "PATCH",
      `/keys/${key.id}`,
      {
        limits: { dailyCostLimit: 5 },
      },
    );
    expect(changed.status).toBe(200);
    expect(changed.body.key.limits).toMatchObject({
      dailyCostLimit: 5,
      concurrencyLimit: 3,
      totalCostLimit: 50,
      restrictedModels: ["claude-opus-4-1"],
    });
  });

  it("refuses an unknown limit with 400 naming it", async () => {
    const token = await freshKeyspace();
    const key = await createKey(token);
    const refused = await admin<{ error: { message: string } }>(token, "PATCH", `/keys/${key.id}`, {
      limits: { dailyCostLimt: 5 },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/dailyCostLimt|unrecognized/i);
  });
});
