// The shape every target formatter produces and the helpers they share.
import type { WebhookTarget, WebhookTargetType } from "../keyspace/records/webhooks.ts";
import type { RelayEvent } from "./events.ts";

export interface Delivery {
  url: string;
  init: { method: "POST"; headers: Record<string, string>; body: string };
}

export type TargetOf<T extends WebhookTargetType> = Extract<WebhookTarget, { type: T }>;

export interface TargetFormat<T extends WebhookTargetType> {
  /** Target config + event → the request to send; `now` (epoch ms) is the signing time. */
  build(target: TargetOf<T>, event: RelayEvent, now: number): Delivery | Promise<Delivery>;
  /** Targets that answer 200 with an error code in the body say here whether it was taken. */
  accepted?(body: unknown): boolean;
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Delivery {
  return {
    url,
    init: {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    },
  };
}

const encoder = new TextEncoder();

/** HMAC-SHA-256 of `message` under `key`. */
export async function hmacSha256(key: string, message: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    encoder.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Reads `{field: 0}`-style success codes that Chinese IM robots answer with HTTP 200. */
export function codeIsZero(body: unknown, ...fields: string[]): boolean {
  if (!body || typeof body !== "object") return true;
  const record = body as Record<string, unknown>;
  const present = fields.filter((f) => f in record);
  return present.length === 0 || present.some((f) => record[f] === 0);
}
