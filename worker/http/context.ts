import type { Protocol } from "./errors.ts";

/** Per-request values every handler can read (Hono context variables). */
export interface RelayVariables {
  requestId: string;
  /** The error shape this request's client expects; set by the route group. */
  protocol: Protocol;
}
