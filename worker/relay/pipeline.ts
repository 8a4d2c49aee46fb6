// The request's walk, in order: auth (the route's `relayKey` middleware, before `relay`) → KeyGate →
// account + upstream (forward) → usage meter → the end of the request (after.ts). Every route of
// every protocol goes through `relay`.
import type { Context } from "hono";
import type { z } from "zod";
import { type Env, services } from "../env.ts";
import { readJsonBody } from "../http/body.ts";
import type { KeyedVariables } from "../http/context.ts";
import type { AccountRecord } from "../keyspace/records/accounts.ts";
import type { Provider } from "../providers/provider.ts";
import { afterResponse, endRefused } from "./after.ts";
import { identifyClients } from "./clients.ts";
import { forward } from "./forward.ts";
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
  /**
   * The answer as the client gets it, from the upstream's answer and the account that gave it (a
   * route whose account types speak another dialect than its client translates it here).
   * Not called for the relay's own errors. Default: the answer as it came.
   */
  respond?: (answer: Response, account: AccountRecord, body: T) => Response | Promise<Response>;
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
    family: provider.modelFamily?.(target.model),
    subscriptionClient: provider.subscriptionClient?.(c.req.raw.headers, body.value),
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
        // Azure OpenAI's own pool: its cost caps are the key's azure-openai ones.
        pool: provider.pool,
        clients: identifyClients(url.pathname, c.req.header("user-agent") ?? "", c.req.raw.headers),
        counted: options.meter,
      },
      waitUntil,
    );
  } catch (error) {
    endRefused(waitUntil, firstAccount);
    throw error;
  }

  const forwarding = forward(
    {
      env: c.env,
      services: s,
      provider,
      routing,
      firstAccount,
      requestId,
      meter: options.meter,
      waitUntil,
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
  // Started at once, so that the key's lease is kept alive while forward() fails over.
  afterResponse(
    {
      env: c.env,
      services: s,
      waitUntil,
      requestId,
      keyId: key.id,
      provider,
      model: target.model,
      startedAt,
      admission,
      counted: options.meter,
    },
    forwarding.then((forwarded) => forwarded.ended),
  );
  const forwarded = await forwarding;
  if ("failure" in forwarded) throw forwarded.failure;
  return options.respond
    ? options.respond(forwarded.response, forwarded.account, body.value)
    : forwarded.response;
}
