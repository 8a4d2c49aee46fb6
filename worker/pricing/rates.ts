// Service rates in force (records/service-rates.ts), read from an isolate cache refreshed in the
// background like the price table (table.ts): rating a request's cost costs its path no round trip.
// An admin's change is seen within REFRESH_MS.
import type { Services } from "../env.ts";
import type { CostPlatform } from "../keyspace/records/relay-keys.ts";
import { DEFAULT_SERVICE_RATES, type ServiceRates } from "../keyspace/records/service-rates.ts";
import { matchesModel } from "../providers/model-patterns.ts";
import { microOf, picoOf } from "../usage/money.ts";

export const RATES_REFRESH_MS = 60_000;

let cached: { rates: ServiceRates; loadedAt: number } = { rates: DEFAULT_SERVICE_RATES, loadedAt: 0 };
let loading: Promise<void> | undefined;

export async function loadServiceRates(services: Services): Promise<ServiceRates> {
  const rates = await services.keyspace.serviceRates.read();
  cached = { rates, loadedAt: Date.now() };
  return rates;
}

/** The rates now; when they are older than a minute a reload starts in `waitUntil`. */
export function currentServiceRates(
  services: Services,
  waitUntil: (p: Promise<unknown>) => void,
): ServiceRates {
  if (Date.now() - cached.loadedAt > RATES_REFRESH_MS && !loading) {
    cached.loadedAt = Date.now();
    loading = loadServiceRates(services)
      .then(() => undefined)
      .catch(() => {})
      .finally(() => {
        loading = undefined;
      });
    waitUntil(loading);
  }
  return cached.rates;
}

/**
 * The rate a request's cost is counted at: the longest model pattern that names its model, else
 * its cost platform's rate, else 1.
 */
export function serviceRateOf(rates: ServiceRates, platform: CostPlatform, model: string): number {
  let best: { length: number; rate: number } | undefined;
  for (const entry of rates.modelRates) {
    if (!matchesModel([entry.model], model)) continue;
    // An exact name beats any pattern; among patterns the longest (most specific) wins.
    const length = entry.model.endsWith("*") ? entry.model.length : Number.POSITIVE_INFINITY;
    if (!best || length > best.length) best = { length, rate: entry.rate };
  }
  return best?.rate ?? rates.rates[platform] ?? 1;
}

/** `costMicroUsd` × `rate`, kept to the pico-dollar like every cost. */
export function rated(costMicroUsd: number, rate: number): number {
  return rate === 1 ? costMicroUsd : microOf(Math.round(picoOf(costMicroUsd) * rate));
}
