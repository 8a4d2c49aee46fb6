// Reads a client's JSON body once, within the size limit, and validates the fields the relay
// itself needs. The original text is kept so it can be forwarded without re-serialising.
import type { z } from "zod";
import { RelayError } from "./errors.ts";

export interface ParsedBody<T> {
  text: string;
  value: T;
}

/**
 * Client headers are forwarded to the upstream, which refuses oversized ones — often by dropping
 * the connection, which would count against the account. Real clients send a few KB.
 */
export const MAX_HEADER_BYTES = 32 * 1024;

function headerBytes(headers: Headers): number {
  let total = 0;
  for (const [name, value] of headers) total += name.length + value.length + 4;
  return total;
}

export async function readJsonBody<T>(
  request: Request,
  maxBytes: number,
  schema: z.ZodType<T>,
): Promise<ParsedBody<T>> {
  if (headerBytes(request.headers) > MAX_HEADER_BYTES) {
    throw new RelayError("invalid_request", `Request headers are larger than ${MAX_HEADER_BYTES} bytes`, {
      status: 431,
      code: "request_header_fields_too_large",
    });
  }
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new RelayError("too_large", `Request body is larger than ${maxBytes} bytes`);
  }
  const contentType = request.headers.get("content-type");
  if (contentType && !/json/i.test(contentType)) {
    throw new RelayError("invalid_request", `Expected a JSON body, got content-type ${contentType}`);
  }
  let text: string;
  try {
    text = await request.text();
  } catch {
    throw new RelayError("invalid_request", "Could not read the request body");
  }
  if (text.length > maxBytes)
    throw new RelayError("too_large", `Request body is larger than ${maxBytes} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RelayError("invalid_request", "Request body is not valid JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "body";
    throw new RelayError("invalid_request", `${where}: ${issue?.message ?? "invalid request body"}`);
  }
  return { text, value: parsed.data };
}
