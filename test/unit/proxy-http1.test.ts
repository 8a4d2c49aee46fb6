// The proxy client's byte-level pieces (worker/proxy/): proxy URLs, the HTTP/1.1 request it
// writes and the answer it parses — status line, headers, chunked (extensions, trailers) and
// content-length bodies, bytes split across reads at every offset, SSE events handed on as they
// arrive, and a connection that breaks off.
import { describe, expect, it } from "vitest";
import { parseProxyUrl, proxyLabel, proxyUrl } from "../../worker/proxy/config.ts";
import { readResponseHead, requestBytes, responseBody } from "../../worker/proxy/http1.ts";
import { ByteReader } from "../../worker/proxy/reader.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A stream the test feeds by hand: each push is one read of the connection. */
function wire() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  return {
    reader: new ByteReader(stream.getReader()),
    push: (part: string | Uint8Array) =>
      controller.enqueue(typeof part === "string" ? encoder.encode(part) : part),
    end: () => controller.close(),
    fail: () => controller.error(new Error("connection reset")),
  };
}

/** Parses an answer delivered as `parts` (one read each); its head, its body text and how many pieces it came in. */
async function parse(parts: (string | Uint8Array)[], method = "POST") {
  const connection = wire();
  for (const part of parts) connection.push(part);
  connection.end();
  let finished = 0;
  const head = await readResponseHead(connection.reader);
  const body = responseBody(connection.reader, head, method, () => finished++);
  const pieces: string[] = [];
  if (body) {
    const reader = body.getReader();
    const bytes: Uint8Array[] = [];
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      bytes.push(next.value);
      pieces.push(decoder.decode(next.value));
    }
    const all = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of bytes) {
      all.set(b, at);
      at += b.length;
    }
    return { head, text: decoder.decode(all), pieces, finished };
  }
  return { head, text: null, pieces, finished };
}

/** Every way to cut `text` in two reads, and one read per byte. */
function splits(text: string): (string | Uint8Array)[][] {
  const bytes = encoder.encode(text);
  const out: Uint8Array[][] = [[...bytes].map((b) => Uint8Array.of(b))];
  for (let i = 1; i < bytes.length; i++) out.push([bytes.slice(0, i), bytes.slice(i)]);
  return out;
}

describe("proxy URLs", () => {
  it("reads the type, host, port and percent-encoded credentials", () => {
    expect(parseProxyUrl("socks5://us%40er:p%3Ass@proxy.example:1081")).toEqual({
      type: "socks5",
      host: "proxy.example",
      port: 1081,
      username: "us@er",
      password: "p:ss",
    });
    expect(parseProxyUrl("http://10.0.0.1")).toEqual({ type: "http", host: "10.0.0.1", port: 80 });
    expect(parseProxyUrl("https://p.example")).toMatchObject({ type: "https", port: 443 });
    expect(parseProxyUrl("socks5h://[2001:db8::1]")).toEqual({
      type: "socks5",
      host: "2001:db8::1",
      port: 1080,
    });
  });

  it("refuses other schemes and paths, naming why and never the password", () => {
    expect(() => parseProxyUrl("ftp://u:secret@h:1")).toThrow(/unsupported proxy scheme ftp:/);
    expect(() => parseProxyUrl("http://u:secret@h:1/path")).toThrow(/no path/);
    expect(() => parseProxyUrl("not a url")).toThrow(/not a URL/);
    try {
      parseProxyUrl("ftp://u:secret@h:1");
    } catch (error) {
      expect(String(error)).not.toContain("secret");
    }
  });

  it("writes the URL back whole (what is sealed) and labels it without credentials", () => {
    const proxy = parseProxyUrl("socks5://a%3Ab:c%40d@[::1]:9050");
    expect(parseProxyUrl(proxyUrl(proxy))).toEqual(proxy);
    expect(proxyLabel(proxy)).toBe("socks5://[::1]:9050");
  });
});

describe("the request on the wire", () => {
  it("sends the path, host, the client's headers less hop-by-hop ones, a content-length and connection: close", async () => {
    const request = new Request("https://api.example:8443/v1/messages?beta=true", {
      method: "POST",
      headers: {
        "x-api-key": "k",
        connection: "keep-alive",
        "transfer-encoding": "chunked",
        "accept-encoding": "gzip",
        "proxy-authorization": "Basic leak",
      },
      body: '{"a":"é"}',
    });
    const text = decoder.decode(await requestBytes(request, new URL(request.url)));
    const [head, body] = text.split("\r\n\r\n");
    const lines = head?.split("\r\n") ?? [];
    expect(lines[0]).toBe("POST /v1/messages?beta=true HTTP/1.1");
    expect(lines).toContain("host: api.example:8443");
    expect(lines).toContain("x-api-key: k");
    expect(lines).toContain("connection: close");
    expect(lines).toContain("accept-encoding: identity");
    expect(lines).toContain(`content-length: ${encoder.encode('{"a":"é"}').length}`);
    expect(text).not.toMatch(/keep-alive|chunked|gzip|leak/);
    expect(body).toBe('{"a":"é"}');
  });

  it("sends a GET without a body or content-length", async () => {
    const request = new Request("http://h/models");
    const text = decoder.decode(await requestBytes(request, new URL(request.url)));
    expect(text).toBe(
      "GET /models HTTP/1.1\r\nhost: h\r\naccept-encoding: identity\r\nconnection: close\r\n\r\n",
    );
  });
});

describe("the answer", () => {
  const chunkedAnswer =
    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n" +
    "5;name=value;flag\r\nhello\r\n6\r\n world\r\nA \r\n, and more\r\n0\r\nx-trailer: 1\r\nx-other: 2\r\n\r\n";

  it("decodes chunked bodies with extensions and trailers, however the bytes are split", async () => {
    for (const parts of splits(chunkedAnswer)) {
      const { head, text, finished } = await parse(parts);
      expect(head.status).toBe(200);
      expect(head.headers.get("content-type")).toBe("text/plain");
      expect(text).toBe("hello world, and more");
      expect(finished).toBe(1);
    }
  });

  it("reads content-length bodies byte for byte, however split, and leaves what follows", async () => {
    const body = '{"type":"message","text":"Grüße 👋"}';
    const answer = `HTTP/1.1 201 Created\r\ncontent-length: ${encoder.encode(body).length}\r\n\r\n${body}`;
    for (const parts of splits(answer)) {
      const { head, text } = await parse([...parts, "GARBAGE AFTER THE BODY"]);
      expect(head.status).toBe(201);
      expect(head.statusText).toBe("Created");
      expect(text).toBe(body);
    }
  });

  it("takes bare LF line ends, a status line without reason, repeated headers, and skips 1xx answers", async () => {
    const { head, text } = await parse([
      "HTTP/1.1 100 Continue\r\n\r\n",
      "HTTP/1.1 200\nset-cookie: a=1\nset-cookie: b=2\ncontent-length: 2\n\nok",
    ]);
    expect(head.status).toBe(200);
    expect(head.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(text).toBe("ok");
  });

  it("has no body for HEAD, 204 and 304, and reads an unframed body until the connection closes", async () => {
    expect((await parse(["HTTP/1.1 204 No Content\r\n\r\n"])).text).toBeNull();
    expect((await parse(["HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n"], "HEAD")).text).toBeNull();
    expect((await parse(["HTTP/1.0 200 OK\r\n\r\nall ", "of it"])).text).toBe("all of it");
  });

  it("refuses a broken status line, a bad chunk size and conflicting content-lengths", async () => {
    await expect(parse(["SSH-2.0-OpenSSH\r\n\r\n"])).rejects.toThrow(/not an HTTP\/1.1 status line/);
    await expect(parse(["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"])).rejects.toThrow(
      /not a chunk size/,
    );
    await expect(parse(["HTTP/1.1 200 OK\r\ncontent-length: 3, 4\r\n\r\nabcd"])).rejects.toThrow(
      /content-length/,
    );
  });

  it("hands on SSE events as they arrive, before the rest of the stream exists", async () => {
    const connection = wire();
    connection.push(
      "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
    );
    const head = await readResponseHead(connection.reader);
    const body = responseBody(connection.reader, head, "POST", () => {});
    const reader = body?.getReader();
    if (!reader) throw new Error("no body");
    const first = "event: message_start\ndata: {}\n\n";
    // Half the chunk's size line, then the rest with half the event: the first half is out at once.
    connection.push(`${first.length.toString(16)}`);
    connection.push(`\r\n${first.slice(0, 10)}`);
    expect(decoder.decode((await reader.read()).value)).toBe(first.slice(0, 10));
    connection.push(`${first.slice(10)}\r\n`);
    expect(decoder.decode((await reader.read()).value)).toBe(first.slice(10));
    const second = "event: message_stop\ndata: {}\n\n";
    connection.push(`${second.length.toString(16)}\r\n${second}\r\n`);
    expect(decoder.decode((await reader.read()).value)).toBe(second);
    connection.push("0\r\n\r\n");
    expect((await reader.read()).done).toBe(true);
  });

  it("errors the body when the connection breaks off: inside a chunk, before the last chunk, short of content-length", async () => {
    const head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
    await expect(parse([head, "a\r\nhello"])).rejects.toThrow(/inside a chunk/);
    await expect(parse([head, "5\r\nhello\r\n"])).rejects.toThrow(/before the last chunk/);
    await expect(parse(["HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this"])).rejects.toThrow(
      /91 bytes before the end/,
    );
    await expect(parse(["HTTP/1.1 200 OK\r\ncontent-"])).rejects.toThrow(/in the middle of a line/);
  });

  it("errors the body when the connection is reset, after passing on what arrived", async () => {
    const connection = wire();
    connection.push("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n");
    const head = await readResponseHead(connection.reader);
    let finished = 0;
    const reader = responseBody(connection.reader, head, "POST", () => finished++)?.getReader();
    if (!reader) throw new Error("no body");
    expect(decoder.decode((await reader.read()).value)).toBe("hello");
    connection.fail();
    await expect(reader.read()).rejects.toThrow(/connection reset/);
    expect(finished).toBe(1);
  });

  it("decodes a gzip body the upstream sent despite accept-encoding: identity", async () => {
    const { decoded } = await import("../../worker/proxy/http1.ts");
    const zipped = new Uint8Array(
      await new Response(
        new Blob(["squeezed"]).stream().pipeThrough(new CompressionStream("gzip")),
      ).arrayBuffer(),
    );
    const headers = new Headers({ "content-encoding": "gzip", "content-length": String(zipped.length) });
    const body = decoded(new Blob([zipped]).stream(), headers);
    expect(await new Response(body).text()).toBe("squeezed");
    expect(headers.has("content-encoding")).toBe(false);
  });
});
