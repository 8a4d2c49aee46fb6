// Booster packs (admin: a key's packs and a grant) and quota card redemption (public stats page).
import { apiBase } from "../lib/api-base.ts";
import { requestJson } from "../lib/http.ts";
import { call } from "./admin.ts";
import type { Schemas } from "./generated.ts";

export type PackState = Schemas["BoosterPacks"];
export type NewPack = Schemas["NewBoosterPack"];

export const packsApi = {
  list: (keyId: string) => call<PackState>("GET", `/keys/${encodeURIComponent(keyId)}/packs`),
  grant: (keyId: string, body: NewPack) =>
    call<PackState>("POST", `/keys/${encodeURIComponent(keyId)}/packs`, { body }),
};

/** The packs and draws the public stats API answers (`boosterPacks`), amounts in USD. */
export interface PublicPacks {
  left: number;
  packs: {
    id: string;
    amount: number;
    used: number;
    grantedAt: string;
    expiresAt: string | null;
    note: string;
    source: "admin" | "card";
  }[];
  draws: { requestId: string; packId: string; amount: number; at: string }[];
}

export interface PublicCosts {
  rateMultiplier: number;
  real: { today: number; total: number };
  rated: { today: number; total: number } | null;
}

export async function redeemCardWithKey(apiKey: string, code: string): Promise<void> {
  await requestJson(apiBase(), "POST", "/apiStats/api/redeem-card", { body: { apiKey, code } });
}
