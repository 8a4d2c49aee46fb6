// Steps 4–5: send the request to an upstream account and stream the answer back through the
// usage meter. Fails over to the next account while nothing has reached the client yet.
// It hands back the client's answer (or the relay's error for it) and how the request ends, which
// after.ts turns into the account's release and the usage settle; a fault of the relay's own (a
// Durable Object call that failed) rejects instead, and after.ts ends the request as that error.
import type { AcquireRequest } from "../../durable-objects/account-pool/index.ts";
import type { Env, Services } from "../env.ts";
import { errorBody, RelayError } from "../http/errors.ts";
import type { AccountRecord } from "../keyspace/records/accounts.ts";
import { accountKind } from "../providers/account-types.ts";
import type { AccountOutcome, ClientCall, MeteredUsage, Provider } from "../providers/provider.ts";
import { fetchThroughAccountProxy } from "../proxy/account.ts";
import { type AccountRelease, type Ended, endedBy } from "./after.ts";
import { meterStream } from "./meter.ts";
import { mapModel } from "./model-mapping.ts";
import { type Acquired, accountCredentials, acquireAccount, type Settlement } from "./schedule.ts";

/** Distinct accounts one request may try before its first byte (each is tried once). */
const MAX_ACCOUNTS_PER_REQUEST = 8;
/** Once a request has spent this long failing over, it tries no further account. */
const FAILOVER_BUDGET_MS = 20_000;
/** How much of the last upstream's error message the relay's own 503 quotes. */
const QUOTED_MESSAGE_CHARS = 300;

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

/** What forward() hands back: an upstream's answer or the relay's own error, and how the request ends. */
export type Forwarded =
  | {
      /** The answer for the client (an upstream's, or its error passed on in the client's protocol). */
      response: Response;
      /** The account whose answer it is. */
      account: AccountRecord;
      /** Settles once the answer has been relayed (its body metered) or the client has gone. */
      ended: Promise<Ended>;
    }
  | {
      /** The relay's own error: relay() throws it, to be rendered in the client's protocol. */
      failure: unknown;
      ended: Promise<Ended>;
    };

interface UpstreamFailure {
  response: Response;
  account: AccountRecord;
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
async function fetchWithHeadersTimeout(
  request: Request,
  ms: number,
  account: AccountRecord,
  services: Services,
): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    // An account that names an egress proxy sends through it (worker/proxy/); the others, directly.
    if (account.proxy)
      return await fetchThroughAccountProxy(
        services,
        account.id,
        account.proxy,
        request,
        controller.signal,
        ms,
      );
    return await fetch(request, { signal: controller.signal });
  } catch (error) {
    if (controller.signal.aborted) throw new UpstreamTimeout(Math.round(ms / 1000));
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Refusals of the account, not of the request, whatever their status (a 400 "organization disabled"). */
const ANOTHER_ACCOUNT_MAY_SERVE = new Set<AccountOutcome["kind"]>(["blocked", "refused-client"]);

function isRetryable(status: number): boolean {
  return status === 429 || status === 401 || status === 403 || status >= 500;
}

function clientHeaders(upstream: Response, requestId: string): Headers {
  const headers = new Headers(upstream.headers);
  for (const name of DROPPED_RESPONSE_HEADERS) headers.delete(name);
  headers.set("x-request-id", requestId);
  return headers;
}

/** The message of an upstream error in any of the three protocols' shapes (all say error.message). */
async function upstreamMessage(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = JSON.parse(await response.text());
    const error = body && typeof body === "object" && "error" in body ? body.error : undefined;
    const message = error && typeof error === "object" && "message" in error ? error.message : undefined;
    return typeof message === "string" ? message.slice(0, QUOTED_MESSAGE_CHARS) : undefined;
  } catch {
    return undefined;
  }
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

function failedWith(error: unknown, details?: Omit<Ended, "status" | "error">): Forwarded {
  return { failure: error, ended: Promise.resolve(endedBy(error, details)) };
}

export async function forward(ctx: ForwardContext, call: ClientCall): Promise<Forwarded> {
  const startedAt = Date.now();
  const pool = ctx.provider.pool ?? ctx.provider.platform;
  /** Accounts this request has tried, each once: excluded from its next picks. */
  const tried: string[] = [];
  /** What each failed account said ("429", "500", "unreachable"…), for the answer when none served. */
  const failed: string[] = [];
  let lastFailure: UpstreamFailure | undefined;
  /** The previous attempt's verdict, not yet at the pool: the next pick carries it there first. */
  let verdict: Settlement | undefined;
  /** The verdict still to deliver when the request stops failing over: after.ts sends it alone. */
  const leftOver = (): AccountRelease | undefined => (verdict ? { handedOver: verdict } : undefined);
  /** The pool's answer when no account was left to try. */
  let noneLeft: RelayError | undefined;
  /** A provider's refusal of the call for an account that cannot carry it (see the catch below). */
  let refused: RelayError | undefined;
  let upstreamMs: number | undefined;
  let usageModel: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const outOfBudget = attempt > 0 && Date.now() - startedAt >= FAILOVER_BUDGET_MS;
    if (tried.length >= MAX_ACCOUNTS_PER_REQUEST || outOfBudget) break;
    let acquired: Acquired;
    try {
      acquired =
        attempt === 0 && ctx.firstAccount
          ? await ctx.firstAccount
          : await acquireAccount(
              ctx.env,
              ctx.services,
              pool,
              { ...ctx.routing, exclude: [...tried] },
              verdict,
            );
      verdict = undefined;
    } catch (error) {
      // A refusal from the pool comes after it applied the verdict; a failed call may not have.
      if (error instanceof RelayError) verdict = undefined;
      // Out of accounts after a failure: the client hears about the failures, not "no account".
      if (failed.length === 0) return failedWith(refused ?? error, { release: leftOver() });
      noneLeft = error instanceof RelayError ? error : undefined;
      break;
    }
    let account = acquired.account;
    tried.push(account.id);
    // The route's provider, unless the account's kind speaks another wire format (Bedrock).
    const provider = accountKind(account.type).ownProvider ?? ctx.provider;
    if (acquired.parkedSincePicked()) {
      // Picked before its failures reached the pool (a burst on a failing account): not sent.
      verdict = acquired.handOver({ kind: "client-error" });
      continue;
    }
    let response: Response;
    try {
      let credentials = await accountCredentials(ctx.services, account);
      if (accountKind(account.type).refresh?.due(account, credentials, Date.now())) {
        const refreshed = await acquired.refreshCredentials();
        if (!refreshed) {
          verdict = acquired.handOver({ kind: "unauthorized" });
          continue;
        }
        account = refreshed;
        credentials = await accountCredentials(ctx.services, account);
      }
      const built = provider.buildRequest(mapModel(call, account), account, credentials, ctx.services.config);
      const sentAt = Date.now();
      response = await fetchWithHeadersTimeout(
        built instanceof Promise ? await built : built,
        ctx.services.config.UPSTREAM_TIMEOUT_SECONDS * 1000,
        account,
        ctx.services,
      );
      upstreamMs = Date.now() - sentAt;
      const adapted = provider.adaptAnswer?.(response, call, account);
      if (adapted) response = adapted.response;
      usageModel = adapted?.usageModel;
    } catch (error) {
      if (error instanceof RelayError) {
        // buildRequest refused: this account cannot carry the call (a chat request with a field the
        // Responses API of a ChatGPT account lacks). Not the account's fault; another may serve it,
        // else the client gets the refusal.
        verdict = acquired.handOver({ kind: "client-error" });
        refused = error;
        continue;
      }
      if (error instanceof UpstreamTimeout) {
        // Not retried: the client has waited the whole timeout already.
        return failedWith(
          new RelayError("timeout", `The upstream did not answer within ${error.seconds} s`),
          {
            accountId: account.id,
            release: { acquired, outcome: { kind: "server-error" } },
          },
        );
      }
      verdict = acquired.handOver({ kind: "server-error" });
      failed.push("unreachable");
      continue;
    }
    if (response.ok) {
      const answered = provider.outcome(response, call.model, account);
      return relayAnswer(ctx, provider, acquired, account, response, upstreamMs, usageModel, answered);
    }
    // An error answer is small: read once, for the verdict (some refusals differ only in their
    // message) and for the client, who may get it as it came.
    const errorText = await response.text().catch(() => "");
    response = new Response(errorText, response);
    const outcome = provider.outcome(response, call.model, account, errorText);
    await lastFailure?.response.body?.cancel();
    lastFailure = { response, account };
    if (!isRetryable(response.status) && !ANOTHER_ACCOUNT_MAY_SERVE.has(outcome.kind)) {
      // The request itself was refused (400, 404, 413…): the client's to see as it is.
      const ended: Ended = {
        status: response.status,
        accountId: account.id,
        upstreamMs,
        release: { acquired, outcome },
      };
      return { response: await upstreamError(ctx, response), account, ended: Promise.resolve(ended) };
    }
    verdict = acquired.handOver(outcome);
    failed.push(String(response.status));
  }
  // Stopped by the bounds, other accounts may be free; when none was left, the pool says when.
  const retryAfter = noneLeft?.headers["retry-after"] ?? "1";
  if (failed.length === 0) {
    // No upstream was asked (each account refused the call or was skipped).
    const error =
      refused ??
      new RelayError("unavailable", `No available ${pool} accounts`, {
        code: "accounts_unavailable",
        headers: { "retry-after": retryAfter },
      });
    return failedWith(error, { release: leftOver() });
  }
  if (lastFailure && failed.every((said) => said === "429")) {
    // Every account is rate-limited: the client's 429, with when to come back.
    const ended: Ended = { status: 429, accountId: lastFailure.account.id, upstreamMs, release: leftOver() };
    const response = await upstreamError(ctx, lastFailure.response);
    response.headers.set("retry-after", retryAfter);
    return { response, account: lastFailure.account, ended: Promise.resolve(ended) };
  }
  const said = lastFailure ? await upstreamMessage(lastFailure.response) : undefined;
  const message =
    `No ${pool} account could serve the request: ${failed.length} tried, answered ${failed.join(", ")}` +
    (said ? `; the last said: ${said}` : "");
  const error = new RelayError("unavailable", message, {
    code: "accounts_unavailable",
    headers: { "retry-after": retryAfter },
  });
  return failedWith(error, { accountId: lastFailure?.account.id, upstreamMs, release: leftOver() });
}

/** An upstream's successful answer, relayed through the usage meter; it ends when its body does. */
async function relayAnswer(
  ctx: ForwardContext,
  provider: Provider,
  acquired: Acquired,
  account: AccountRecord,
  upstream: Response,
  upstreamMs: number | undefined,
  usageModel: string | undefined,
  answered: AccountOutcome,
): Promise<Forwarded> {
  const headers = clientHeaders(upstream, ctx.requestId);
  const status = upstream.status;
  const ended = (metered: MeteredUsage | undefined, upstreamFailed = false): Ended => {
    if (metered && usageModel) metered.model = usageModel;
    // The answer's usage windows ride with the verdict, whichever way the body ended.
    const windows = answered.windows ? { windows: answered.windows } : {};
    const outcome: AccountOutcome = upstreamFailed
      ? { kind: "server-error", ...windows }
      : { kind: "ok", ...windows };
    return { status, accountId: account.id, metered, upstreamMs, release: { acquired, outcome } };
  };
  if (!ctx.meter || !upstream.body) {
    const response = new Response(upstream.body, { status, headers });
    return { response, account, ended: Promise.resolve(ended(undefined)) };
  }
  if (!headers.get("content-type")?.includes("text/event-stream")) {
    // Non-streaming answers are small: one read, one parse, the same bytes back.
    const text = await upstream.text();
    const response = new Response(text, { status, headers });
    return { response, account, ended: Promise.resolve(ended(provider.usageFromJson(text, account))) };
  }
  let streamEnded: (end: Ended) => void = () => {};
  const end = new Promise<Ended>((resolve) => {
    streamEnded = resolve;
  });
  const body = meterStream(upstream.body, {
    waitUntil: ctx.waitUntil,
    errorTail: () => provider.streamErrorEvent("Upstream connection lost mid-response", account),
    onEnd: async ({ text, ending }) =>
      streamEnded(ended(provider.usageFromSse(text, account), ending === "upstream-failed")),
  });
  return { response: new Response(body, { status, headers }), account, ended: end };
}
