// The shape every upstream platform module has: build the upstream request, read usage off the
// response, say what an upstream failure means for the account. relay/ knows only this shape.
import type { Config } from "../env.ts";
import type { Protocol } from "../http/errors.ts";
import type { AccountRecord, PoolName } from "../keyspace/records/accounts.ts";
import type { Platform } from "../keyspace/records/common.ts";
import type { Usage } from "../keyspace/records/usage.ts";

export interface ClientCall {
  request: Request;
  /** Upstream path, e.g. `/v1/messages`. */
  path: string;
  /** Query string to keep, with its `?` (e.g. `?beta=true`), or "". */
  search: string;
  body: string;
  model: string;
  stream: boolean;
}

export interface MeteredUsage {
  usage: Usage;
  model: string | undefined;
  complete: boolean;
}

/** One of a subscription's usage windows, as the upstream's rate-limit headers state it. */
export interface UsageWindow {
  /** 0..1 of the window used. */
  utilization: number;
  /** Epoch ms when the window resets (null: not stated). */
  resetAt: number | null;
  /** The upstream's word for it: `allowed`, `allowed_warning`, `rejected` (null: not stated). */
  status: string | null;
}

/**
 * A subscription account's usage windows read off one answer (Claude OAuth: unified rate-limit
 * headers). `at` orders readings from different isolates: the newest wins.
 */
export interface UsageWindows {
  at: number;
  fiveHour?: UsageWindow;
  sevenDay?: UsageWindow;
  sevenDayOpus?: UsageWindow;
  sevenDaySonnet?: UsageWindow;
}

/**
 * What an upstream answer says about the account that served it. `windows`, where the answer
 * carries them, ride along with any kind.
 */
export type AccountOutcome = (
  | { kind: "ok" }
  /**
   * Refused for its rate limits until `until` (epoch ms). With `family` (a model family:
   * opus, sonnet, haiku), only that family's requests are refused: the account serves the others.
   */
  | { kind: "rate-limited"; until: number; family?: string }
  | { kind: "overloaded" }
  | { kind: "unauthorized" }
  /** The upstream disabled the account (an organisation disabled): parked until an admin resets it. */
  | { kind: "blocked"; reason: string }
  /**
   * The account refused this request for the client it came from (Anthropic's "extra usage"
   * refusal on a subscription): another account may serve it; this one is not parked.
   */
  | { kind: "refused-client"; reason: string }
  | { kind: "server-error" }
  | { kind: "client-error" }
) & { windows?: UsageWindows };

/** An upstream answer put into the client's protocol by an account type that speaks another one. */
export interface AdaptedAnswer {
  response: Response;
  /** The model usage is recorded under, when not the one the answer names. */
  usageModel?: string;
}

export interface Provider {
  platform: Platform;
  /** The AccountPool it schedules from when that is not its platform's (Azure OpenAI). */
  pool?: PoolName;
  protocol: Protocol;
  /** A promise only where building needs async work (SigV4 signing): the others stay await-free. */
  buildRequest(
    call: ClientCall,
    account: AccountRecord,
    credentials: unknown,
    config: Config,
  ): Request | Promise<Request>;
  /**
   * For account types whose upstream speaks another wire format than the platform's (Bedrock in
   * the Claude pool): the answer in this protocol. Undefined: the answer is relayed as it is.
   */
  adaptAnswer?(response: Response, call: ClientCall, account: AccountRecord): AdaptedAnswer | undefined;
  /**
   * The answer's usage. `account` (the relay always passes it) is the account that answered, for a
   * provider whose account types answer in different wire formats (chat over a ChatGPT account).
   */
  usageFromSse(text: string, account?: AccountRecord): MeteredUsage;
  usageFromJson(text: string, account?: AccountRecord): MeteredUsage;
  /** Bytes that end a broken stream in the error shape of this protocol (of `account`'s wire format). */
  streamErrorEvent(message: string, account?: AccountRecord): Uint8Array;
  /**
   * What the answer says about the account, for every answer (a success may carry usage windows).
   * `model` is the model the request asked for (a rate limit may be the model family's only).
   * `errorBody`: an error answer's text, when the caller has read it (some refusals are told
   * apart only by their message: a disabled organisation, a refused client).
   */
  outcome(response: Response, model: string, account?: AccountRecord, errorBody?: string): AccountOutcome;
  /**
   * Whether the request comes from the client this platform's subscription accounts are for
   * (Claude Code on Claude OAuth accounts). Absent: the platform has no such restriction.
   */
  subscriptionClient?(headers: Headers, body: unknown): boolean;
  /**
   * The family a model belongs to where an account's limits are per family (Claude: opus, sonnet,
   * haiku). Absent or undefined: the account's limits are one.
   */
  modelFamily?(model: string): string | undefined;
  /** The conversation a request belongs to, for sticky sessions (undefined: no stickiness). */
  sessionHash(body: unknown, headers: Headers): Promise<string | undefined>;
}

/**
 * What a provider takes from the wire format it answers in (Anthropic Messages, OpenAI Responses,
 * Chat Completions): its meters, its stream error event, its account outcomes, its session hash.
 * Account types that speak another platform's format (Azure, Droid) take that platform's.
 */
export type WireFormat = Pick<
  Provider,
  "protocol" | "usageFromSse" | "usageFromJson" | "streamErrorEvent" | "outcome" | "sessionHash"
>;
