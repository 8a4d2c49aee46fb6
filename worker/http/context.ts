import type { RelayKeyRecord } from "../keyspace/records/relay-keys.ts";
import type { Protocol } from "./errors.ts";

/** Per-request values every handler can read (Hono context variables). */
export interface RelayVariables {
  requestId: string;
  /** The error shape this request's client expects; set by the route group. */
  protocol: Protocol;
}

/** On a route behind the `relayKey` middleware (relay/relay-key.ts): the caller's authenticated key. */
export interface KeyedVariables extends RelayVariables {
  relayKey: RelayKeyRecord;
}
