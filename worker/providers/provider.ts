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

/** What an upstream answer says about the account that served it. */
export type AccountOutcome =
  | { kind: "ok" }
  | { kind: "rate-limited"; until: number }
  | { kind: "overloaded" }
  | { kind: "unauthorized" }
  | { kind: "server-error" }
  | { kind: "client-error" };

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
  outcome(response: Response): AccountOutcome;
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
