// AWS Bedrock's InvokeModel API for Claude, as far as the relay uses it: `POST /model/{id}/invoke`
// (Anthropic JSON) and `/invoke-with-response-stream` (event-stream frames carrying Anthropic
// events). Every request's SigV4 signature is recomputed here independently (node:crypto) from
// the known test credentials and refused with Bedrock's own 403 when it does not match. Pure
// functions: the server (server.ts) does the I/O.
import { createHash, createHmac } from "node:crypto";
import { crc32 } from "node:zlib";
import type { SseEvent } from "./anthropic.ts";

/** The credentials the fake knows: access key id → secret (and the session token STS keys need). */
export const BEDROCK_TEST_CREDENTIALS: Record<string, { secret: string; sessionToken?: string }> = {
  AKIAFAKEBEDROCK00001: { secret: "fake/bedrock/secret/one" },
  AKIAFAKEBEDROCK00002: { secret: "fake/bedrock/secret/two" },
  ASIAFAKEBEDROCKTEMP1: { secret: "fake/bedrock/secret/temp", sessionToken: "fake-session-token" },
};

export const BEDROCK_ROUTE =
  /^(?<prefix>.*?)\/model\/(?<model>[^/]+)\/(?<action>invoke|invoke-with-response-stream)$/;

export interface BedrockError {
  status: number;
  body: { message: string };
  headers: Record<string, string>;
}

export function bedrockError(status: number, type: string, message: string): BedrockError {
  return {
    status,
    body: { message },
    headers: { "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
  };
}

/** The fake's scenario statuses (429, 500, 529, …) as the Bedrock exceptions behind them. */
export function scenarioError(status: number, scenario: string): BedrockError {
  const note = `fake upstream scenario "${scenario}"`;
  if (status === 429) return bedrockError(429, "ThrottlingException", `Too many requests (${note})`);
  if (status === 401 || status === 403)
    return bedrockError(403, "AccessDeniedException", `You don't have access to the model (${note})`);
  if (status === 529 || status === 503)
    return bedrockError(503, "ServiceUnavailableException", `Service unavailable (${note})`);
  return bedrockError(500, "InternalServerException", `Internal server error (${note})`);
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface SignedRequest {
  method: string;
  /** The path and query exactly as sent (still percent-encoded). */
  rawUrl: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type Verdict = { ok: true; accessKeyId: string; region: string } | { ok: false; error: BedrockError };

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)\/(?<date>\d{8})\/(?<region>[^/]+)\/(?<service>[^/]+)\/aws4_request, ?SignedHeaders=(?<signed>[^,]+), ?Signature=(?<signature>[0-9a-f]{64})$/;

const header = (headers: SignedRequest["headers"], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
};

/** SigV4 as AWS documents it for non-S3 services (path segments encoded twice). */
export function verifySigV4(request: SignedRequest, now = Date.now()): Verdict {
  const denied = (type: string, message: string): Verdict => ({
    ok: false,
    error: bedrockError(403, type, message),
  });
  const auth = AUTH.exec(header(request.headers, "authorization") ?? "")?.groups;
  if (!auth) return denied("IncompleteSignatureException", "Authorization header requires a SigV4 signature");
  const known = BEDROCK_TEST_CREDENTIALS[auth.key ?? ""];
  if (!known)
    return denied("UnrecognizedClientException", "The security token included in the request is invalid.");
  if (auth.service !== "bedrock")
    return denied("InvalidSignatureException", `Credential should be scoped to correct service: 'bedrock'.`);
  const amzDate = header(request.headers, "x-amz-date") ?? "";
  const at = Date.parse(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
  );
  if (!Number.isFinite(at) || Math.abs(now - at) > 5 * 60_000 || !amzDate.startsWith(auth.date ?? "-"))
    return denied("InvalidSignatureException", "Signature expired or x-amz-date missing.");
  if (known.sessionToken && header(request.headers, "x-amz-security-token") !== known.sessionToken)
    return denied("UnrecognizedClientException", "The security token included in the request is invalid.");

  const signedNames = (auth.signed ?? "").split(";");
  if (!signedNames.includes("host") || !signedNames.includes("x-amz-date"))
    return denied("InvalidSignatureException", "host and x-amz-date must be signed.");
  const [rawPath = "/", rawQuery = ""] = request.rawUrl.split("?");
  const canonicalUri = rawPath
    .split("/")
    .map((segment) => rfc3986(segment))
    .join("/");
  const canonicalQuery = rawQuery
    .split("&")
    .filter(Boolean)
    .map((pair) => pair.split("=").map((part) => rfc3986(decodeURIComponent(part))))
    .sort(([a = "", b = ""], [c = "", d = ""]) => (a === c ? (b < d ? -1 : 1) : a < c ? -1 : 1))
    .map(([k, v = ""]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = signedNames
    .map((name) => `${name}:${(header(request.headers, name) ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const canonical = [
    request.method,
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    auth.signed,
    header(request.headers, "x-amz-content-sha256") ?? sha256(request.body),
  ].join("\n");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  let key: Buffer = hmac(`AWS4${known.secret}`, auth.date ?? "");
  for (const part of [auth.region ?? "", "bedrock", "aws4_request"]) key = hmac(key, part);
  const expected = createHmac("sha256", key).update(toSign).digest("hex");
  if (expected !== auth.signature)
    return denied(
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  return { ok: true, accessKeyId: auth.key ?? "", region: auth.region ?? "" };
}

/** Keys Bedrock's Claude models accept; anything else is a ValidationException, as on AWS. */
const ALLOWED_KEYS = new Set([
  "anthropic_version",
  "anthropic_beta",
  "max_tokens",
  "messages",
  "system",
  "temperature",
  "top_p",
  "top_k",
  "stop_sequences",
  "tools",
  "tool_choice",
  "thinking",
]);

/** An Anthropic-shaped request the fake's Anthropic replies can be built from, or a ValidationException message. */
export function parseInvokeBody(body: unknown): { messages: unknown[]; system?: unknown } | string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "Malformed input request";
  const fields = body as Record<string, unknown>;
  const extra = Object.keys(fields).filter((key) => !ALLOWED_KEYS.has(key));
  if (extra.length > 0) return `Malformed input request: extraneous key [${extra[0]}] is not permitted`;
  if (fields.anthropic_version !== "bedrock-2023-05-31")
    return "Malformed input request: anthropic_version must be bedrock-2023-05-31";
  if (!Array.isArray(fields.messages)) return "Malformed input request: required key [messages] not found";
  return { messages: fields.messages, system: fields.system };
}

/** The Anthropic model name Bedrock reports for a model id (`us.anthropic.claude-x-20250101-v1:0` → `claude-x-20250101`). */
export function anthropicModelOf(modelId: string): string {
  return modelId.replace(/^([a-z]+\.)?anthropic\./, "").replace(/-v\d+(:\d+)?$/, "");
}

/** One event-stream frame with string headers; CRCs from node:zlib, independent of the relay's own. */
export function frame(headers: Record<string, string>, payload: Buffer): Buffer {
  const parts = Object.entries(headers).map(([name, value]) => {
    const n = Buffer.from(name);
    const v = Buffer.from(value);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(v.length);
    return Buffer.concat([Buffer.from([n.length]), n, Buffer.from([7]), length, v]);
  });
  const headerBytes = Buffer.concat(parts);
  const total = 12 + headerBytes.length + payload.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const body = Buffer.concat([prelude, headerBytes, payload]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([body, crc]);
}

export function chunkFrame(event: unknown): Buffer {
  const bytes = Buffer.from(JSON.stringify(event)).toString("base64");
  return frame(
    { ":event-type": "chunk", ":content-type": "application/json", ":message-type": "event" },
    Buffer.from(JSON.stringify({ bytes, p: "abcdefgh" })),
  );
}

export function exceptionFrame(type: string, message: string): Buffer {
  return frame(
    { ":exception-type": type, ":content-type": "application/json", ":message-type": "exception" },
    Buffer.from(JSON.stringify({ message })),
  );
}

/** The Anthropic stream events as Bedrock frames; the last carries Bedrock's invocation metrics. */
export function streamFrames(
  events: SseEvent[],
  usage: { input_tokens: number; output_tokens: number },
): { wire: Buffer; words: number; text: boolean }[] {
  return events.map((event, index) => {
    const last = index === events.length - 1;
    const data = last
      ? {
          ...(event.data as Record<string, unknown>),
          "amazon-bedrock-invocationMetrics": {
            inputTokenCount: usage.input_tokens,
            outputTokenCount: usage.output_tokens,
            invocationLatency: 42,
            firstByteLatency: 7,
          },
        }
      : event.data;
    return { wire: chunkFrame(data), words: event.words, text: event.words > 0 };
  });
}
