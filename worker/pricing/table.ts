// The price table in force: the snapshot shipped with the code, replaced by the last table the
// cron fetched (kept in the keyspace), with the admin's overrides on top. Read from an isolate
// cache; refreshed in the background, so pricing never costs the request path a round trip.
import type { Services } from "../env.ts";
import { log } from "../http/log.ts";
import { type PriceTable, parsePriceTable, shippedPrices } from "./pricing.ts";

const REFRESH_MS = 5 * 60_000;
const MIN_MODELS = 20;

interface Effective {
  table: PriceTable;
  fetched: { at: string; source: string; models: number } | null;
  overrides: PriceTable;
  loadedAt: number;
}

let effective: Effective = { table: shippedPrices, fetched: null, overrides: {}, loadedAt: 0 };
let loading: Promise<void> | undefined;

export async function loadPrices(services: Services): Promise<void> {
  const { table: stored, overrides: storedOverrides } = await services.keyspace.pricing.read();
  const overrides = storedOverrides?.models ?? {};
  effective = {
    table: { ...(stored?.models ?? shippedPrices), ...overrides },
    fetched: stored
      ? { at: stored.fetchedAt, source: stored.source, models: Object.keys(stored.models).length }
      : null,
    overrides,
    loadedAt: Date.now(),
  };
}

/** The table now; when it is older than a few minutes a reload starts in `waitUntil`. */
export function currentPrices(services: Services, waitUntil: (p: Promise<unknown>) => void): PriceTable {
  if (Date.now() - effective.loadedAt > REFRESH_MS && !loading) {
    effective.loadedAt = Date.now();
    loading = loadPrices(services)
      .catch(() => {})
      .finally(() => {
        loading = undefined;
      });
    waitUntil(loading);
  }
  return effective.table;
}

/** The table as last loaded (after `loadPrices`, the keyspace's as it is now). */
export function loadedPrices(): PriceTable {
  return effective.table;
}

export function priceInfo() {
  return {
    source: effective.fetched ? ("fetched" as const) : ("shipped" as const),
    fetched: effective.fetched,
    models: Object.keys(effective.table).length,
    overrides: effective.overrides,
  };
}

/**
 * Fetches the LiteLLM table from `url` and keeps it; a failure (network, not JSON, suspiciously
 * small) keeps the last good table and says why.
 */
export async function refreshPrices(
  services: Services,
  url: string,
): Promise<{ ok: boolean; models: number; error?: string }> {
  try {
    const response = await fetch(url, { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const models = parsePriceTable(await response.json());
    const count = Object.keys(models).length;
    if (count < MIN_MODELS) throw new Error(`only ${count} priced models`);
    const stored = { v: 1 as const, fetchedAt: new Date().toISOString(), source: url, models };
    await services.keyspace.pricing.putTable(stored);
    await loadPrices(services);
    return { ok: true, models: count };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log("warn", "price refresh failed; keeping the last good table", { reason });
    return { ok: false, models: Object.keys(effective.table).length, error: reason };
  }
}

export async function setPriceOverrides(services: Services, models: PriceTable): Promise<void> {
  await services.keyspace.pricing.putOverrides({ v: 1, models });
  await loadPrices(services);
}
