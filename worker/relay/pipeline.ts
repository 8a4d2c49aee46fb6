// The request's walk, in order: auth (the route's `relayKey` middleware, before `relay`) → KeyGate →
// account + upstream (forward) → usage meter → after-response work. Every route of every protocol
// goes through `relay`.
import type { Context } from "hono";
import type { z } from "zod";
import { type Env, services } from "../env.ts";
import { readJsonBody } from "../http/body.ts";
import type { KeyedVariables } from "../http/context.ts";
import { RelayError } from "../http/errors.ts";
import { log } from "../http/log.ts";
import { costOf, litellmProviderOf } from "../pricing/pricing.ts";
import { currentPrices } from "../pricing/table.ts";
import type { Provider } from "../providers/provider.ts";
import type { UsageRecord } from "../usage/aggregate.ts";
import { emptyUsage } from "../usage/tokens.ts";
import { identifyClients } from "./clients.ts";
import { type Finished, forward } from "./forward.ts";
import { type Admission, admit } from "./gate.ts";
import { acquireAccount } from "./schedule.ts";
import type { UpstreamQuery } from "./upstream-query.ts";

/** A route behind the `relayKey` middleware (relay-key.ts), which authenticated the request. */
export type RouteContext = Context<{ Bindings: Env; Variables: KeyedVariables }>;

/** Where a request goes upstream and what it asks for. */
export interface Target {
  /** Upstream path, e.g. `/v1/messages` or `/v1beta/models/gemini-2.5-pro:streamGenerateContent`. */
  path: string;
  /** Query string for the upstream, with its `?`, or "": built by upstream-query.ts, never the client's. */
  search: UpstreamQuery;
  model: string;
  stream: boolean;
}

export interface RelayOptions<T> {
  /** The upstream platform, or a function of the body for a route that picks it from the request (unified chat). */
  provider: Provider | ((body: T) => Provider);
  /** The client's body: validated for the fields the relay reads, forwarded as it came. */
  schema: z.ZodType<T>;
  /** From the parsed body and the request URL (Gemini names the model in its path). */
  target: (body: T, url: URL) => Target;
  /** False for calls without billable usage (count_tokens): not metered, not counted by limits. */
  meter: boolean;
}

export async function relay<T>(c: RouteContext, options: RelayOptions<T>): Promise<Response> {
  const startedAt = Date.now();
  const s = services(c.env);
  const url = new URL(c.req.url);
  const requestId = c.get("requestId");
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);

  const key = c.var.relayKey;
  const body = await readJsonBody(c.req.raw, s.config.MAX_BODY_BYTES, options.schema);
  const provider = typeof options.provider === "function" ? options.provider(body.value) : options.provider;
  const target = options.target(body.value, url);
  const routing = {
    model: target.model,
    sessionHash: await provider.sessionHash(body.value, c.req.raw.headers),
    boundAccountId: key.boundAccounts[provider.platform],
  };
  // The key's gate and the account pool are asked at once: one round trip of waiting, not two.
  // An account picked for a request the gate then refuses goes back unused. A key whose requests
  // may queue for a slot asks the pool only once admitted, so no account waits in its queue.
  const firstAccount =
    key.limits.concurrencyQueueSeconds > 0
      ? undefined
      : acquireAccount(c.env, s, provider.pool ?? provider.platform, { ...routing, exclude: [] });
  // Its failure is forward()'s to report, once the gate has admitted the request.
  firstAccount?.catch(() => {});
  let admission: Admission;
  try {
    admission = await admit(
      c.env,
      s,
      key,
      {
        model: target.model,
        platform: provider.platform,
        clients: identifyClients(url.pathname, c.req.header("user-agent") ?? "", c.req.raw.headers),
        counted: options.meter,
      },
      waitUntil,
    );
  } catch (error) {
    if (firstAccount) waitUntil(firstAccount.then((acquired) => acquired.giveBack()).catch(() => {}));
    throw error;
  }

  let resolveEnded: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    resolveEnded = resolve;
  });
  waitUntil(admission.keepAlive(ended));

  let finished = false;
  const finish = (done: Finished & { error?: UsageRecord["error"] }) => {
    if (finished) return;
    finished = true;
    resolveEnded();
    // Calls that are not counted (count_tokens) took no lease and carry no usage: nothing to settle.
    if (!options.meter) return;
    const usage = done.metered?.usage ?? emptyUsage();
    const model = done.metered?.model ?? target.model;
    const pricedAs = litellmProviderOf(provider.pool ?? provider.platform);
    const cost = costOf(currentPrices(s, waitUntil), model, usage, pricedAs);
    const unpriced = !cost.priced && done.metered !== undefined;
    if (unpriced) log("warn", "no price for model; cost counted as 0", { model, requestId });
    // Usage goes to the key's gate, which stores it durably and flushes it to the keyspace
    // in batches: nothing is written to the keyspace on the request's path.
    waitUntil(
      admission
        .settle({
          requestId,
          keyId: key.id,
          accountId: done.accountId,
          model,
          platform: provider.platform,
          status: done.status,
          startedAt,
          durationMs: Date.now() - startedAt,
          upstreamMs: done.upstreamMs,
          usage,
          costMicroUsd: cost.microUsd,
          error: done.error,
          // Counted only if an upstream answered (forward sets upstreamMs exactly then).
          served: done.upstreamMs !== undefined,
          ...(unpriced ? { priced: false } : {}),
        })
        .catch((error: unknown) => {
          log("error", "usage not settled", { requestId, error: String(error) });
        }),
    );
  };

  try {
    return await forward(
      {
        env: c.env,
        services: s,
        provider,
        routing,
        firstAccount,
        requestId,
        meter: options.meter,
        waitUntil,
        finish,
      },
      {
        request: c.req.raw,
        path: target.path,
        search: target.search,
        body: body.text,
        model: target.model,
        stream: target.stream,
      },
    );
  } catch (error) {
    finish(
      error instanceof RelayError
        ? { status: error.status, error: { type: error.code ?? error.kind, message: error.message } }
        : { status: 500, error: { type: "api_error", message: "Internal error in the relay" } },
    );
    throw error;
  }
}
