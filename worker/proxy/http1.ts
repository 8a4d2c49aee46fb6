// HTTP/1.1 on a raw connection: the request's bytes, and the answer read back as a Web Response
// whose body streams as the bytes arrive (chunked, content-length or until close). One request
// per connection (`connection: close`): no keep-alive, no pipelining.
import { type ByteReader, StreamEnded } from "./reader.ts";

/** The longest status, header or chunk-size line taken. */
const MAX_LINE = 16 * 1024;
/** All response headers together. */
const MAX_HEAD = 64 * 1024;

/** Hop-by-hop request headers (and those this writer sets itself). */
const NOT_FORWARDED = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "host",
  "content-length",
  "expect",
  "accept-encoding",
]);

const encoder = new TextEncoder();

/** The answer broke the HTTP/1.1 framing (not a network failure). */
export class HttpProtocolError extends Error {}

/**
 * The request's head and body as bytes on the wire. The body (a relay request's JSON, already
 * bounded by MAX_BODY_BYTES) is read whole so that it goes with a content-length.
 */
export async function requestBytes(request: Request, url: URL): Promise<Uint8Array> {
  const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
  let head = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [name, value] of request.headers) {
    if (!NOT_FORWARDED.has(name)) head += `${name}: ${value}\r\n`;
  }
  // The answer is relayed as it comes: no compression to undo (gzip is still undone if sent).
  head += "accept-encoding: identity\r\nconnection: close\r\n";
  if (body || !["GET", "HEAD"].includes(request.method)) head += `content-length: ${body?.length ?? 0}\r\n`;
  head += "\r\n";
  const headBytes = encoder.encode(head);
  if (!body || body.length === 0) return headBytes;
  const out = new Uint8Array(headBytes.length + body.length);
  out.set(headBytes);
  out.set(body, headBytes.length);
  return out;
}

export interface ResponseHead {
  status: number;
  statusText: string;
  headers: Headers;
}

/** Reads the status line and headers, skipping interim (1xx) answers. */
export async function readResponseHead(reader: ByteReader): Promise<ResponseHead> {
  for (;;) {
    const statusLine = await reader.readLine(MAX_LINE);
    if (statusLine === null) throw new StreamEnded("the upstream closed the connection without an answer");
    const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
    if (!match) throw new HttpProtocolError(`not an HTTP/1.1 status line: ${statusLine.slice(0, 80)}`);
    const status = Number(match[1]);
    const headers = new Headers();
    let size = 0;
    for (;;) {
      const line = await reader.readLine(MAX_LINE);
      if (line === null) throw new StreamEnded("the upstream closed the connection in its headers");
      if (line === "") break;
      size += line.length;
      if (size > MAX_HEAD) throw new HttpProtocolError(`response headers over ${MAX_HEAD} bytes`);
      const colon = line.indexOf(":");
      if (colon <= 0 || line[0] === " " || line[0] === "\t")
        throw new HttpProtocolError(`not a header line: ${line.slice(0, 80)}`);
      try {
        headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      } catch {
        // A header the Web Headers type refuses (a bad byte in its value) is dropped, as fetch would.
      }
    }
    if (status >= 100 && status < 200 && status !== 101) continue;
    return { status, statusText: match[2] ?? "", headers };
  }
}

/** A source of body pieces: the next one, or null when the body is complete. */
type NextPiece = () => Promise<Uint8Array | null>;

function fixedLength(reader: ByteReader, length: number): NextPiece {
  let remaining = length;
  return async () => {
    if (remaining === 0) return null;
    const piece = await reader.readSome(remaining);
    if (!piece)
      throw new StreamEnded(
        `the upstream closed the connection ${remaining} bytes before the end of the body`,
      );
    remaining -= piece.length;
    return piece;
  };
}

function untilClose(reader: ByteReader): NextPiece {
  return () => reader.readSome(Number.POSITIVE_INFINITY);
}

/**
 * `transfer-encoding: chunked`: each chunk's bytes are handed on as they arrive (a chunk split
 * across reads comes out in pieces); extensions and trailers are read and dropped.
 */
function chunked(reader: ByteReader): NextPiece {
  let remaining = 0;
  let afterData = false;
  let done = false;
  return async () => {
    for (;;) {
      if (done) return null;
      if (remaining > 0) {
        const piece = await reader.readSome(remaining);
        if (!piece) throw new StreamEnded("the upstream closed the connection inside a chunk");
        remaining -= piece.length;
        if (remaining === 0) afterData = true;
        return piece;
      }
      if (afterData) {
        const end = await reader.readLine(MAX_LINE);
        if (end === null) throw new StreamEnded("the upstream closed the connection after a chunk");
        if (end !== "") throw new HttpProtocolError("a chunk longer than its size");
        afterData = false;
      }
      const line = await reader.readLine(MAX_LINE);
      if (line === null) throw new StreamEnded("the upstream closed the connection before the last chunk");
      const sizeText = (line.split(";")[0] ?? "").trim();
      if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText))
        throw new HttpProtocolError(`not a chunk size: ${line.slice(0, 40)}`);
      const size = Number.parseInt(sizeText, 16);
      if (size === 0) {
        // Trailers, up to the blank line that ends the message (a close right after "0" is taken).
        for (;;) {
          const trailer = await reader.readLine(MAX_LINE);
          if (trailer === null || trailer === "") break;
        }
        done = true;
        return null;
      }
      remaining = size;
    }
  };
}

/** How the body is framed, from the status, the method and the headers. */
function bodySource(reader: ByteReader, head: ResponseHead, method: string): NextPiece | null {
  if (method === "HEAD" || head.status === 204 || head.status === 304) return null;
  const transferEncoding = head.headers.get("transfer-encoding")?.toLowerCase();
  if (transferEncoding) {
    if (transferEncoding.split(",").at(-1)?.trim() === "chunked") return chunked(reader);
    return untilClose(reader);
  }
  const contentLength = head.headers.get("content-length");
  if (contentLength !== null) {
    const lengths = new Set(contentLength.split(",").map((v) => v.trim()));
    const [only] = [...lengths];
    if (lengths.size !== 1 || !only || !/^\d{1,15}$/.test(only))
      throw new HttpProtocolError(`a bad content-length: ${contentLength.slice(0, 40)}`);
    return fixedLength(reader, Number(only));
  }
  return untilClose(reader);
}

/**
 * The body as a stream that pulls from the connection only as it is read; `finished` runs once,
 * when the body is complete, broken or cancelled (the caller closes the connection there). A
 * connection that breaks before the body's end errors the stream, as fetch's body would.
 */
export function responseBody(
  reader: ByteReader,
  head: ResponseHead,
  method: string,
  finished: () => void,
): ReadableStream<Uint8Array> | null {
  const next = bodySource(reader, head, method);
  if (!next) {
    finished();
    return null;
  }
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    finished();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            const piece = await next();
            if (piece === null) {
              controller.close();
              end();
              return;
            }
            if (piece.length > 0) {
              controller.enqueue(piece);
              return;
            }
          }
        } catch (error) {
          controller.error(error);
          end();
        }
      },
      cancel() {
        end();
      },
    },
    { highWaterMark: 0 },
  );
}

/** A compressed answer the upstream sent despite `accept-encoding: identity`, decoded. */
export function decoded(body: ReadableStream<Uint8Array>, headers: Headers): ReadableStream<Uint8Array> {
  const encoding = headers.get("content-encoding")?.trim().toLowerCase();
  if (encoding !== "gzip" && encoding !== "deflate") return body;
  headers.delete("content-encoding");
  headers.delete("content-length");
  return body.pipeThrough(new DecompressionStream(encoding));
}
