// Steps 4–5: send the request to an upstream account and stream the answer back through the
// usage meter. Fails over to the next account while nothing has reached the client yet.
// Whatever happens, `finish` is called exactly once with what the request used.
import type { AcquireRequest } from "../../durable-objects/account-pool/index.ts";
import type { Env, Services } from "../env.ts";
import { errorBody, RelayError } from "../http/errors.ts";
import type { ClientCall, MeteredUsage, Provider } from "../providers/provider.ts";
import { meterStream } from "./meter.ts";
import { type Acquired, accountCredentials, acquireAccount } from "./schedule.ts";

const MAX_ATTEMPTS = 3;

/** Upstream response headers that describe the upstream connection, not the answer. */
const DROPPED_RESPONSE_HEADERS = [
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "set-cookie",
  "alt-svc",
];

export interface Finished {
  status: number;
  accountId?: string;
  /** Time until the upstream's response headers. */
  upstreamMs?: number;
  /** Usage read off the answer; absent when nothing billable came back. */
  metered?: MeteredUsage;
}

export interface ForwardContext {
  env: Env;
  services: Services;
  /** What the account pool needs to pick an account (exclusions are added while failing over). */
  routing: Omit<AcquireRequest, "exclude">;
  /** The first account, asked for while the key's gate was deciding (see pipeline.ts). */
  firstAccount?: Promise<Acquired>;
  provider: Provider;
  requestId: string;
  /** False for calls that carry no billable usage (count_tokens): relayed as they come. */
  meter: boolean;
  waitUntil: (promise: Promise<unknown>) => void;
  finish: (finished: Finished) => void;
}

class UpstreamTimeout extends Error {
  readonly seconds: number;

  constructor(seconds: number) {
    super("upstream timeout");
    this.seconds = seconds;
  }
}

/**
 * The upstream must send its response headers within `ms`; after that the body may take as long
 * as it takes (a long answer streams for minutes), so the timer stops at the headers.
 */
async function fetchWithHeadersTimeout(request: Request, ms: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    return await fetch(request, { signal: controller.signal });
  } catch (error) {
    if (controller.signal.aborted) throw new UpstreamTimeout(Math.round(ms / 1000));
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function isRetryable(status: number): boolean {
  return status === 429 || status === 401 || status === 403 || status >= 500;
}

function clientHeaders(upstream: Response, requestId: string): Headers {
  const headers = new Headers(upstream.headers);
  for (const name of DROPPED_RESPONSE_HEADERS) headers.delete(name);
  headers.set("x-request-id", requestId);
  return headers;
}

/** An upstream error in the client's protocol: passed through when already in that shape. */
async function upstreamError(ctx: ForwardContext, response: Response): Promise<Response> {
  let text = "";
  try {
    text = await response.text();
  } catch {
    // The upstream hung up after its status line (a 431 often does): the status says enough.
  }
  const headers = clientHeaders(response, ctx.requestId);
  headers.set("content-type", "application/json");
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === "object" && "error" in body)
      return new Response(text, { status: response.status, headers });
  } catch {
    // Not JSON: wrapped below.
  }
  const kind = response.status === 429 ? "rate_limit" : "api_error";
  const error = new RelayError(kind, `Upstream error ${response.status}`, { status: response.status });
  return new Response(JSON.stringify(errorBody(ctx.provider.protocol, error)), {
    status: response.status,
    headers,
  });
}

export async function forward(ctx: ForwardContext, call: ClientCall): Promise<Response> {
  const exclude: string[] = [];
  let lastFailure: { response: Response; accountId: string } | undefined;
  /** A provider's refusal of the call for an account that cannot carry it (see the catch below). */
  let refused: RelayError | undefined;
  let upstreamMs: number | undefined;
  let usageModel: string | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let acquired: Acquired;
    try {
      acquired =
        attempt === 0 && ctx.firstAccount
          ? await ctx.firstAccount
          : await acquireAccount(ctx.env, ctx.services, ctx.provider.pool ?? ctx.provider.platform, {
              ...ctx.routing,
              exclude,
            });
    } catch (error) {
      // Out of accounts after a failure: the client gets that failure, not "no account".
      if (lastFailure) break;
      throw refused ?? error;
    }
    let account = acquired.account;
    let response: Response;
    try {
      let credentials = await accountCredentials(ctx.services, account);
      if (ctx.provider.refresh?.due(account, credentials, Date.now())) {
        const refreshed = await acquired.refreshCredentials();
        if (!refreshed) {
          ctx.waitUntil(acquired.release({ kind: "unauthorized" }));
          exclude.push(account.id);
          continue;
        }
        account = refreshed;
        credentials = await accountCredentials(ctx.services, account);
      }
      const built = ctx.provider.buildRequest(call, account, credentials, ctx.services.config);
      const sentAt = Date.now();
      response = await fetchWithHeadersTimeout(
        built instanceof Promise ? await built : built,
        ctx.services.config.UPSTREAM_TIMEOUT_SECONDS * 1000,
      );
      upstreamMs = Date.now() - sentAt;
      const adapted = ctx.provider.adaptAnswer?.(response, call, account);
      if (adapted) response = adapted.response;
      usageModel = adapted?.usageModel;
    } catch (error) {
      if (error instanceof RelayError) {
        // buildRequest refused: this account cannot carry the call (a chat request with a field the
        // Responses API of a ChatGPT account lacks). Not the account's fault; another may serve it,
        // else the client gets the refusal.
        ctx.waitUntil(acquired.release({ kind: "client-error" }));
        refused = error;
        exclude.push(account.id);
        continue;
      }
      ctx.waitUntil(acquired.release({ kind: "server-error" }));
      if (error instanceof UpstreamTimeout) {
        // Not retried: the client has waited the whole timeout already.
        ctx.finish({ status: 504, accountId: account.id });
        throw new RelayError("timeout", `The upstream did not answer within ${error.seconds} s`);
      }
      exclude.push(account.id);
      continue;
    }
    if (response.ok) return relayResponse(ctx, acquired, response, upstreamMs, usageModel);
    const outcome = ctx.provider.outcome(response);
    ctx.waitUntil(acquired.release(outcome));
    await lastFailure?.response.body?.cancel();
    lastFailure = { response, accountId: account.id };
    if (!isRetryable(response.status)) break;
    exclude.push(account.id);
  }
  if (!lastFailure) throw refused ?? new RelayError("unavailable", "Upstream unreachable", { status: 502 });
  ctx.finish({ status: lastFailure.response.status, accountId: lastFailure.accountId, upstreamMs });
  return upstreamError(ctx, lastFailure.response);
}

async function relayResponse(
  ctx: ForwardContext,
  acquired: Acquired,
  upstream: Response,
  upstreamMs: number | undefined,
  usageModel: string | undefined,
): Promise<Response> {
  const headers = clientHeaders(upstream, ctx.requestId);
  const status = upstream.status;
  const accountId = acquired.account.id;
  const done = (metered: MeteredUsage | undefined, upstreamFailed = false) => {
    ctx.waitUntil(acquired.release(upstreamFailed ? { kind: "server-error" } : { kind: "ok" }));
    if (metered && usageModel) metered.model = usageModel;
    ctx.finish({ status, accountId, metered, upstreamMs });
  };
  if (!ctx.meter || !upstream.body) {
    done(undefined);
    return new Response(upstream.body, { status, headers });
  }
  if (!headers.get("content-type")?.includes("text/event-stream")) {
    // Non-streaming answers are small: one read, one parse, the same bytes back.
    const text = await upstream.text();
    done(ctx.provider.usageFromJson(text));
    return new Response(text, { status, headers });
  }
  const body = meterStream(upstream.body, {
    waitUntil: ctx.waitUntil,
    errorTail: () => ctx.provider.streamErrorEvent("Upstream connection lost mid-response"),
    onEnd: async ({ text, ending }) => done(ctx.provider.usageFromSse(text), ending === "upstream-failed"),
  });
  return new Response(body, { status, headers });
}
