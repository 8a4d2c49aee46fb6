// Step 6: where every request ends, after its response (waitUntil, off the client's path). The
// key's lease is kept alive until the end; then the last account's lease goes back to its pool with
// the upstream's verdict, the usage read off the answer is priced, and the key's gate is told
// (settle) — once, whichever way the request ended: answered, refused, timed out, cut off, or left
// by its client. forward() says how it ended (`Ended`); this file does the rest.
import { costPlatformOf } from "../../durable-objects/key-gate/limits.ts";
import type { Env, Services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import { log } from "../http/log.ts";
import { costOf, litellmProviderOf } from "../pricing/pricing.ts";
import { currentServiceRates, serviceRateOf } from "../pricing/rates.ts";
import { currentPrices } from "../pricing/table.ts";
import type { AccountOutcome, MeteredUsage, Provider } from "../providers/provider.ts";
import { emptyUsage } from "../usage/tokens.ts";
import type { Admission } from "./gate.ts";
import { type Acquired, type Settlement, settle } from "./schedule.ts";

/** How a request ended, as forward() saw it. */
export interface Ended {
  /** What the client was answered. */
  status: number;
  /** The account whose answer (or failure) ended the request. */
  accountId?: string;
  /** Time until the upstream's response headers: set exactly when an upstream answered. */
  upstreamMs?: number;
  /** Usage read off the answer; absent when nothing billable came back. */
  metered?: MeteredUsage;
  /** The relay's own error, when the client got one instead of an upstream's answer. */
  error?: { type: string; message: string };
  /** The last account's lease, still to go back to its pool with the upstream's verdict on it. */
  release?: AccountRelease;
}

export type AccountRelease =
  | { acquired: Acquired; outcome: AccountOutcome }
  /** A failed attempt's verdict, handed over for a next pick that never came (failover stopped). */
  | { handedOver: Settlement };

/** How a request ends that fails with `error`: its status and what the client was told. */
export function endedBy(error: unknown, details: Omit<Ended, "status" | "error"> = {}): Ended {
  if (error instanceof RelayError)
    return {
      ...details,
      status: error.status,
      error: { type: error.code ?? error.kind, message: error.message },
    };
  return { ...details, status: 500, error: { type: "api_error", message: "Internal error in the relay" } };
}

/** One admitted request, as its end needs to know it. */
export interface AdmittedRequest {
  env: Env;
  services: Services;
  waitUntil: (promise: Promise<unknown>) => void;
  requestId: string;
  keyId: string;
  provider: Provider;
  /** The model the client asked for: usage is recorded under it when the answer names none. */
  model: string;
  startedAt: number;
  admission: Admission;
  /** False for calls without billable usage (count_tokens): they took no key lease and settle nothing. */
  counted: boolean;
}

/**
 * Ends an admitted request once `ended` settles (a rejection ends it as that error): keeps the
 * key's lease alive until then, then releases the account, prices the usage and settles with the
 * key's gate. Returns at once; the work is in waitUntil.
 */
export function afterResponse(request: AdmittedRequest, ended: Promise<Ended>): void {
  const done = ended.then(
    (end) => finish(request, end),
    (error: unknown) => finish(request, endedBy(error)),
  );
  request.waitUntil(done);
  request.waitUntil(request.admission.keepAlive(done));
}

/** A request the key's gate refused: the account picked for it meanwhile goes back unused. */
export function endRefused(
  waitUntil: (promise: Promise<unknown>) => void,
  pickedAccount: Promise<Acquired> | undefined,
): void {
  if (pickedAccount) waitUntil(pickedAccount.then((acquired) => acquired.giveBack()).catch(() => {}));
}

function finish(request: AdmittedRequest, end: Ended): void {
  releaseAccount(request, end.release);
  // Calls that are not counted (count_tokens) took no lease and carry no usage: nothing to settle.
  if (!request.counted) return;
  const costMicroUsd = settleUsage(request, end);
  // An account with a daily cost quota learns what it served (batched, see pool-reports.ts).
  const release = end.release;
  if (release && "acquired" in release && costMicroUsd > 0)
    request.waitUntil(release.acquired.reportCost(costMicroUsd).catch(() => {}));
}

function releaseAccount(request: AdmittedRequest, release: AccountRelease | undefined): void {
  if (!release) return;
  const { env, services, provider } = request;
  request.waitUntil(
    "handedOver" in release
      ? settle(env, services, provider.pool ?? provider.platform, release.handedOver)
      : release.acquired.release(release.outcome),
  );
}

/** The account whose answer ended the request, when one answered with its lease still held. */
function servedBy(end: Ended) {
  return end.release && "acquired" in end.release ? end.release.acquired.account : undefined;
}

/** Prices the request's usage and settles it with the key's gate; returns the cost (micro-USD). */
function settleUsage(request: AdmittedRequest, end: Ended): number {
  const { provider, requestId, waitUntil } = request;
  const usage = end.metered?.usage ?? emptyUsage();
  const model = end.metered?.model ?? request.model;
  const pricedAs = litellmProviderOf(provider.pool ?? provider.platform);
  const cost = costOf(currentPrices(request.services, waitUntil), model, usage, pricedAs);
  const unpriced = !cost.priced && end.metered !== undefined;
  if (unpriced) log("warn", "no price for model; cost counted as 0", { model, requestId });
  // The key's limits count the cost at its platform's or model's service rate (cached, no round trip).
  const serviceRate = serviceRateOf(
    currentServiceRates(request.services, waitUntil),
    costPlatformOf(provider.platform, provider.pool, servedBy(end)?.type),
    model,
  );
  // Usage goes to the key's gate, which stores it durably and flushes it to the keyspace
  // in batches: nothing is written to the keyspace on the request's path.
  waitUntil(
    request.admission
      .settle({
        requestId,
        keyId: request.keyId,
        accountId: end.accountId,
        model,
        platform: provider.platform,
        // Bedrock's spend counts toward the key's bedrock caps as well as its claude ones.
        ...(servedBy(end)?.type === "bedrock" ? { costPlatform: "bedrock" as const } : {}),
        status: end.status,
        startedAt: request.startedAt,
        durationMs: Date.now() - request.startedAt,
        upstreamMs: end.upstreamMs,
        usage,
        costMicroUsd: cost.microUsd,
        error: end.error,
        // Counted only if an upstream answered (forward sets upstreamMs exactly then).
        served: end.upstreamMs !== undefined,
        ...(unpriced ? { priced: false } : {}),
        ...(serviceRate !== 1 ? { serviceRate } : {}),
      })
      .catch((error: unknown) => {
        log("error", "usage not settled", { requestId, error: String(error) });
      }),
  );
  return cost.microUsd;
}
