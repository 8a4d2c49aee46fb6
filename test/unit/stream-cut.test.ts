// Streams the upstream breaks off in the middle of an event (issue 17): whatever byte the cut
// falls on, the client gets only complete events and then one error event in its protocol's
// shape (Anthropic, Chat Completions native and translated, Responses, Gemini, Bedrock as
// Anthropic), never the cut event's bytes run into the error event. The meter still reads what
// arrived. Every byte offset of a recorded stream of each protocol, through the same functions the
// relay composes; then a few real cuts through the whole Worker and the SDKs' view of one.

import { SELF } from "cloudflare:test";
import Anthropic from "@anthropic-ai/sdk";
import fc from "fast-check";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { BEDROCK_TEST_CREDENTIALS, chunkFrame } from "../../dev/fake-upstream/bedrock.ts";
import { bedrockSseBody } from "../../worker/providers/bedrock/stream.ts";
import { claudeProvider } from "../../worker/providers/claude/index.ts";
import { geminiProvider } from "../../worker/providers/gemini/index.ts";
import { chatStreamError, responsesStreamError } from "../../worker/providers/openai/errors.ts";
import { EventGate, type MeteredBody, meterStream } from "../../worker/relay/meter.ts";
import { anthropicChatStream } from "../../worker/translate/anthropic-to-chat.ts";
import { translateSse } from "../../worker/translate/chat-stream.ts";
import { dropUsageChunk } from "../../worker/translate/chat-usage.ts";
import { toolUseStream } from "../../worker/translate/fixtures/anthropic.ts";
import { functionCallStream as geminiFunctionCallStream } from "../../worker/translate/fixtures/gemini.ts";
import { functionCallStream as responsesFunctionCallStream } from "../../worker/translate/fixtures/responses.ts";
import { geminiChatStream } from "../../worker/translate/gemini-to-chat.ts";
import { responsesChatStream } from "../../worker/translate/responses-to-chat.ts";
import {
  BASE,
  createAccount,
  createConsoleAccount,
  createKey,
  freshKeyspace,
  keyUsage,
  messages,
  upstreamUrl,
  waitFor,
} from "./helpers.ts";

const encoder = new TextEncoder();
const MESSAGE = "Upstream connection lost mid-response";
/** Multi-byte UTF-8 of every length, so that cuts fall inside characters too. */
const WIDE_TEXT = "Grüße, 世界 👋 naïve café — fin 🎉";

// ---- recordings ----

/** An upstream's answer as it sent it: its bytes and where each of its writes (one event) ended. */
interface Recording {
  bytes: Uint8Array;
  writeEnds: number[];
}

/** Where each SSE event ends (just past its blank line, "\n\n" or "\r\n\r\n"). */
function eventEnds(bytes: Uint8Array): number[] {
  const ends: number[] = [];
  for (let i = 1; i < bytes.length; i++) {
    if (bytes[i] !== 10) continue;
    if (bytes[i - 1] === 10 || (bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13))
      ends.push(i + 1);
  }
  return ends;
}

function sseRecording(text: string): Recording {
  const bytes = encoder.encode(text);
  const writeEnds = eventEnds(bytes);
  expect(writeEnds.at(-1)).toBe(bytes.length);
  return { bytes, writeEnds };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Bedrock's event-stream for an Anthropic SSE answer: one frame per event. */
function bedrockRecording(anthropicSse: string): Recording {
  const frames = anthropicSse
    .split("\n\n")
    .filter((block) => block !== "")
    .map((block) => chunkFrame(JSON.parse(block.slice(block.indexOf("data: ") + 6))));
  const writeEnds: number[] = [];
  let at = 0;
  for (const frame of frames) {
    at += frame.length;
    writeEnds.push(at);
  }
  return { bytes: concat(frames.map((f) => new Uint8Array(f))), writeEnds };
}

async function fakeStream(path: string, headers: Record<string, string>, body: unknown): Promise<string> {
  const response = await fetch(`${upstreamUrl}/s/text-${encodeURIComponent(WIDE_TEXT)}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.text();
}

const recordings = new Map<string, Recording>();

beforeAll(async () => {
  const user = [{ role: "user", content: "Say hello" }];
  const anthropic = await fakeStream(
    "/v1/messages",
    { "x-api-key": "sk-ant-cut" },
    { model: "claude-sonnet-4-5", max_tokens: 100, messages: user, stream: true },
  );
  recordings.set("anthropic: tool use", sseRecording(toolUseStream));
  recordings.set("anthropic: wide text", sseRecording(anthropic));
  recordings.set("bedrock: wide text", bedrockRecording(anthropic));
  recordings.set(
    "chat: wide text with usage",
    sseRecording(
      await fakeStream(
        "/v1/chat/completions",
        { authorization: "Bearer sk-cut" },
        { model: "gpt-4o", messages: user, stream: true, stream_options: { include_usage: true } },
      ),
    ),
  );
  recordings.set("responses: function call", sseRecording(responsesFunctionCallStream));
  recordings.set(
    "responses: wide text",
    sseRecording(
      await fakeStream(
        "/v1/responses",
        { authorization: "Bearer sk-cut" },
        { model: "gpt-5-codex", input: "Say hello", stream: true },
      ),
    ),
  );
  recordings.set("gemini: function call (CRLF)", sseRecording(geminiFunctionCallStream));
  recordings.set(
    "gemini: wide text (CRLF)",
    sseRecording(
      await fakeStream(
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        { "x-goog-api-key": "AIza-cut" },
        { contents: [{ role: "user", parts: [{ text: "Say hello" }] }] },
      ),
    ),
  );
});

// ---- what the client must get ----

interface ClientEvent {
  event: string | undefined;
  data: string;
  json: Record<string, unknown> | undefined;
}

/**
 * The client's bytes as SSE events, read the way a strict client reads them: valid UTF-8, ending
 * on an event boundary, every event's data JSON (or OpenAI's `[DONE]`).
 */
function clientEvents(bytes: Uint8Array, allowDone: boolean): ClientEvent[] {
  const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  const blocks = text.split(/\r\n\r\n|\n\n|\r\r/);
  const rest = blocks.pop();
  if (rest !== "") throw new Error(`the client's stream ends inside an event: ${JSON.stringify(rest)}`);
  const events: ClientEvent[] = [];
  for (const block of blocks) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r\n|\r|\n/)) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") data.push(value);
      else if (field === "event") event = value;
      else throw new Error(`unexpected SSE line ${JSON.stringify(line)}`);
    }
    if (data.length === 0) continue;
    const joined = data.join("\n");
    if (joined === "[DONE]" && allowDone) {
      events.push({ event, data: joined, json: undefined });
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(joined);
    } catch {
      throw new Error(`an event's data is not JSON: ${JSON.stringify(joined)}`);
    }
    if (!json || typeof json !== "object" || Array.isArray(json)) throw new Error(`not an object: ${joined}`);
    events.push({ event, data: joined, json: json as Record<string, unknown> });
  }
  return events;
}

type Shape = "anthropic" | "chat" | "responses" | "gemini";

const isError: Record<Shape, (e: ClientEvent) => boolean> = {
  anthropic: (e) => e.event === "error" || e.json?.type === "error",
  chat: (e) => e.json?.error !== undefined,
  responses: (e) =>
    e.event === "error" ||
    e.event === "response.failed" ||
    e.json?.type === "error" ||
    e.json?.type === "response.failed",
  gemini: (e) => e.json?.error !== undefined,
};

/** The error events a cut stream must end with, in the protocol's shape. */
function expectErrorEnding(shape: Shape, events: ClientEvent[]) {
  const errors = events.filter(isError[shape]);
  if (shape === "responses") {
    expect(errors).toHaveLength(2);
    const [error, failed] = events.slice(-2);
    expect(error?.event).toBe("error");
    expect(error?.json).toMatchObject({ type: "error", code: "server_error", message: expect.any(String) });
    expect(failed?.event).toBe("response.failed");
    expect(failed?.json).toMatchObject({
      type: "response.failed",
      response: { status: "failed", error: { message: expect.any(String) } },
    });
    return;
  }
  expect(errors).toHaveLength(1);
  const last = events.at(-1);
  expect(last && isError[shape](last)).toBe(true);
  if (shape === "anthropic") {
    expect(last?.event).toBe("error");
    expect(last?.json).toMatchObject({
      type: "error",
      error: { type: expect.any(String), message: expect.any(String) },
    });
  } else if (shape === "chat") {
    expect(last?.json).toMatchObject({ error: { message: expect.any(String), type: expect.any(String) } });
  } else {
    expect(last?.json).toMatchObject({
      error: { code: expect.any(Number), message: expect.any(String), status: expect.any(String) },
    });
  }
}

function expectCleanEnding(shape: Shape, events: ClientEvent[]) {
  expect(events.filter(isError[shape])).toEqual([]);
  const last = events.at(-1);
  if (shape === "anthropic") expect(last?.event).toBe("message_stop");
  if (shape === "chat") expect(last?.data).toBe("[DONE]");
  if (shape === "responses") expect(last?.json?.type).toBe("response.completed");
  if (shape === "gemini") expect(JSON.stringify(last?.json)).toContain("finishReason");
}

// ---- the relay's pieces, composed as its routes compose them ----

interface Pipeline {
  name: string;
  recording: string;
  shape: Shape;
  errorTail: (message: string) => Uint8Array;
  /** Before the meter: Bedrock's event-stream turned into Anthropic SSE. */
  before?: (body: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
  /** After the meter: what the route does to the answer (a translation to chat chunks). */
  after?: (body: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
}

const claudeTail = claudeProvider.streamErrorEvent;
const PIPELINES: Pipeline[] = [
  { name: "Anthropic Messages", recording: "anthropic: tool use", shape: "anthropic", errorTail: claudeTail },
  {
    name: "Anthropic Messages",
    recording: "anthropic: wide text",
    shape: "anthropic",
    errorTail: claudeTail,
  },
  {
    name: "Bedrock as Anthropic Messages",
    recording: "bedrock: wide text",
    shape: "anthropic",
    errorTail: claudeTail,
    before: bedrockSseBody,
  },
  {
    name: "Chat Completions from Anthropic",
    recording: "anthropic: tool use",
    shape: "chat",
    errorTail: claudeTail,
    after: (body) => translateSse(body, anthropicChatStream("claude-sonnet-4-5"), true),
  },
  {
    name: "Chat Completions from Anthropic",
    recording: "anthropic: wide text",
    shape: "chat",
    errorTail: claudeTail,
    after: (body) => translateSse(body, anthropicChatStream("claude-sonnet-4-5"), false),
  },
  {
    name: "Chat Completions native",
    recording: "chat: wide text with usage",
    shape: "chat",
    errorTail: chatStreamError,
  },
  {
    name: "Chat Completions native, usage chunk dropped",
    recording: "chat: wide text with usage",
    shape: "chat",
    errorTail: chatStreamError,
    after: (body) => body.pipeThrough(dropUsageChunk()),
  },
  {
    name: "Responses",
    recording: "responses: function call",
    shape: "responses",
    errorTail: responsesStreamError,
  },
  {
    name: "Responses",
    recording: "responses: wide text",
    shape: "responses",
    errorTail: responsesStreamError,
  },
  {
    name: "Chat Completions from Responses",
    recording: "responses: function call",
    shape: "chat",
    errorTail: responsesStreamError,
    after: (body) => translateSse(body, responsesChatStream("gpt-5-codex"), true),
  },
  {
    name: "Gemini SSE",
    recording: "gemini: function call (CRLF)",
    shape: "gemini",
    errorTail: geminiProvider.streamErrorEvent,
  },
  {
    name: "Gemini SSE",
    recording: "gemini: wide text (CRLF)",
    shape: "gemini",
    errorTail: geminiProvider.streamErrorEvent,
  },
  {
    name: "Chat Completions from Gemini",
    recording: "gemini: wide text (CRLF)",
    shape: "chat",
    errorTail: geminiProvider.streamErrorEvent,
    after: (body) => translateSse(body, geminiChatStream("gemini-2.5-flash"), true),
  },
];

/** An upstream body that delivers `pieces` one read at a time, then fails (or ends, when `complete`). */
function upstreamBody(pieces: Uint8Array[], complete: boolean): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[next++];
      if (piece) controller.enqueue(piece);
      else if (complete) controller.close();
      else controller.error(new Error("connection reset"));
    },
  });
}

/** The recording's bytes up to `cut`, in the pieces the upstream wrote, each split again at `splits`. */
function piecesUpTo(recording: Recording, cut: number, splits: number[] = []): Uint8Array[] {
  const points = [...new Set([0, ...recording.writeEnds, ...splits].filter((p) => p < cut)), cut].sort(
    (a, b) => a - b,
  );
  return points.slice(1).map((end, i) => recording.bytes.slice(points[i], end));
}

interface Outcome {
  client: Uint8Array;
  metered: MeteredBody | undefined;
}

async function run(pipeline: Pipeline, pieces: Uint8Array[], complete: boolean): Promise<Outcome> {
  const pending: Promise<unknown>[] = [];
  let metered: MeteredBody | undefined;
  let body = upstreamBody(pieces, complete);
  if (pipeline.before) body = pipeline.before(body);
  let client = meterStream(body, {
    errorTail: () => pipeline.errorTail(MESSAGE),
    waitUntil: (promise) => pending.push(promise),
    onEnd: async (ended) => {
      metered = ended;
    },
  });
  if (pipeline.after) client = pipeline.after(client);
  const bytes = new Uint8Array(await new Response(client).arrayBuffer());
  await Promise.all(pending);
  return { client: bytes, metered };
}

/** The first index below `length` where the two differ, -1 if none (a byte loop: the sweep compares a lot). */
function firstDifference(a: Uint8Array, b: Uint8Array, length: number): number {
  if (a.length < length || b.length < length) return Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Checks one cut: complete events, then the protocol's error; the meter read what arrived. */
function expectWellCut(pipeline: Pipeline, recording: Recording, cut: number, outcome: Outcome) {
  const complete = cut === recording.bytes.length;
  const events = clientEvents(outcome.client, pipeline.shape === "chat");
  if (complete) expectCleanEnding(pipeline.shape, events);
  else expectErrorEnding(pipeline.shape, events);
  const whole = recording.writeEnds.filter((end) => end <= cut).length;
  const arrived = new TextDecoder().decode(recording.bytes.subarray(0, cut));
  if (pipeline.before) {
    // Bedrock: one event per whole frame that arrived, then the error; the meter reads the SSE.
    expect(events.filter((e) => !isError.anthropic(e))).toHaveLength(whole);
    expect(outcome.metered?.text).toBe(new TextDecoder().decode(outcome.client));
    return;
  }
  expect(outcome.metered).toEqual({ text: arrived, ending: complete ? "complete" : "upstream-failed" });
  if (!pipeline.after) {
    // Passed through: byte for byte the upstream's complete events, then the error events only.
    const upTo = whole === 0 ? 0 : (recording.writeEnds[whole - 1] as number);
    expect(firstDifference(outcome.client, recording.bytes, upTo)).toBe(-1);
    const rest = clientEvents(outcome.client.subarray(upTo), false);
    expect(rest.every(isError[pipeline.shape])).toBe(true);
  }
}

describe("the event gate", () => {
  const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

  it("passes a chunk that ends on a boundary, with nothing held, as it is (no copy)", () => {
    const chunk = encoder.encode("event: ping\ndata: {}\n\n");
    expect(new EventGate().pass(chunk)).toBe(chunk);
  });

  it("holds what follows the last boundary until its own boundary arrives", () => {
    const gate = new EventGate();
    expect(text(gate.pass(encoder.encode('data: {"a":1}\n\ndata: {"b"')))).toBe('data: {"a":1}\n\n');
    expect(gate.pass(encoder.encode(":2}"))).toBeUndefined();
    expect(text(gate.pass(encoder.encode("\n\ndata: ")))).toBe('data: {"b":2}\n\n');
    expect(text(gate.rest())).toBe("data: ");
  });

  it("finds the three blank lines, also split across chunks", () => {
    for (const boundary of ["\n\n", "\r\n\r\n", "\r\r"]) {
      for (let split = 0; split <= boundary.length; split++) {
        const gate = new EventGate();
        const event = `data: {}${boundary}`;
        const at = event.length - boundary.length + split;
        const first = gate.pass(encoder.encode(event.slice(0, at)));
        const second = gate.pass(encoder.encode(`${event.slice(at)}data: {"next"`));
        expect(text(first) ?? text(second)).toBe(event);
        expect(text(gate.rest())).toBe('data: {"next"');
      }
    }
  });

  it("does not take a line end inside a CRLF event for its end", () => {
    const gate = new EventGate();
    expect(gate.pass(encoder.encode("event: a\r\ndata: {}\r\n\r"))).toBeUndefined();
    expect(text(gate.pass(encoder.encode("\n")))).toBe("event: a\r\ndata: {}\r\n\r\n");
  });
});

describe("an upstream stream cut at every byte offset", () => {
  for (const pipeline of PIPELINES) {
    it(`${pipeline.name} (${pipeline.recording})`, async () => {
      const recording = recordings.get(pipeline.recording) as Recording;
      for (let cut = 0; cut <= recording.bytes.length; cut++) {
        const outcome = await run(pipeline, piecesUpTo(recording, cut), cut === recording.bytes.length);
        try {
          expectWellCut(pipeline, recording, cut, outcome);
        } catch (error) {
          const tail = new TextDecoder().decode(outcome.client).slice(-400);
          throw new Error(
            `cut at byte ${cut} of ${recording.bytes.length}: ${String(error)}\nclient's last bytes: ${JSON.stringify(tail)}`,
          );
        }
      }
    }, 120_000);
  }
});

describe("an upstream stream in any pieces, cut anywhere", () => {
  for (const pipeline of PIPELINES) {
    it(`${pipeline.name} (${pipeline.recording})`, async () => {
      const recording = recordings.get(pipeline.recording) as Recording;
      const length = recording.bytes.length;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: length }),
          fc.array(fc.integer({ min: 1, max: length - 1 }), { maxLength: 12 }),
          async (cut, splits) => {
            const outcome = await run(pipeline, piecesUpTo(recording, cut, splits), cut === length);
            expectWellCut(pipeline, recording, cut, outcome);
          },
        ),
        { numRuns: 150 },
      );
    }, 60_000);
  }
});

// ---- through the whole Worker, with the fake upstream cutting its answer ----

const SAY_HELLO = [{ role: "user" as const, content: "Say hello" }];
/** Offsets spread over a short answer: most fall inside an event, a few past the end. */
const CUTS = [1, 97, 203, 310, 421, 530, 644, 757, 869, 983, 1201, 1500, 2200];

function post(path: string, headers: Record<string, string>, body: unknown) {
  return SELF.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

interface WorkerCase {
  name: string;
  shape: Shape;
  account: (token: string, scenario: string) => Promise<unknown>;
  send: (secret: string) => Promise<Response>;
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const [bedrockKeyId, bedrockKey] = Object.entries(BEDROCK_TEST_CREDENTIALS)[0] as [
  string,
  { secret: string },
];

const WORKER_CASES: WorkerCase[] = [
  {
    name: "Anthropic Messages (Claude Console account)",
    shape: "anthropic",
    account: (token, scenario) => createConsoleAccount(token, scenario),
    send: (secret) => messages(secret, { stream: true }),
  },
  {
    name: "Anthropic Messages (Bedrock account)",
    shape: "anthropic",
    account: (token, scenario) =>
      createAccount(token, "bedrock", {
        name: `bedrock-${scenario}`,
        accessKeyId: bedrockKeyId,
        secretAccessKey: bedrockKey.secret,
        region: "us-west-2",
        baseUrl: `${upstreamUrl}/s/${scenario}`,
      }),
    send: (secret) => messages(secret, { stream: true }),
  },
  {
    name: "Chat Completions from a Claude account",
    shape: "chat",
    account: (token, scenario) => createConsoleAccount(token, scenario),
    send: (secret) =>
      post("/v1/chat/completions", bearer(secret), {
        model: "claude-sonnet-4-5",
        messages: SAY_HELLO,
        stream: true,
      }),
  },
  {
    name: "Chat Completions native (OpenAI API-key account)",
    shape: "chat",
    account: (token, scenario) =>
      createAccount(token, "openai-api", {
        name: `oai-${scenario}`,
        apiKey: `sk-proj-${scenario}-${crypto.randomUUID()}`,
        baseUrl: `${upstreamUrl}/s/${scenario}`,
      }),
    send: (secret) =>
      post("/v1/chat/completions", bearer(secret), { model: "gpt-4o", messages: SAY_HELLO, stream: true }),
  },
  {
    name: "Responses (OpenAI API-key account)",
    shape: "responses",
    account: (token, scenario) =>
      createAccount(token, "openai-api", {
        name: `oai-${scenario}`,
        apiKey: `sk-proj-${scenario}-${crypto.randomUUID()}`,
        baseUrl: `${upstreamUrl}/s/${scenario}`,
      }),
    send: (secret) =>
      post("/openai/responses", bearer(secret), { model: "gpt-5-codex", input: "Say hello", stream: true }),
  },
  {
    name: "Gemini SSE (Gemini API-key account)",
    shape: "gemini",
    account: (token, scenario) =>
      createAccount(token, "gemini-api", {
        name: `gemini-${scenario}`,
        apiKey: `AIza-${scenario}-${crypto.randomUUID()}`,
        baseUrl: `${upstreamUrl}/s/${scenario}`,
      }),
    send: (secret) =>
      post(
        "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        { "x-goog-api-key": secret },
        {
          contents: [{ role: "user", parts: [{ text: "Say hello" }] }],
        },
      ),
  },
];

describe("through the Worker, an upstream that cuts its stream at a byte", () => {
  for (const workerCase of WORKER_CASES) {
    it(workerCase.name, async () => {
      let cutMidEvent = 0;
      for (const cut of CUTS) {
        // One account at a time, so the cut is the one asked for.
        const token = await freshKeyspace();
        await workerCase.account(token, `cut-${cut}`);
        const key = await createKey(token);
        const response = await workerCase.send(key.secret);
        expect(response.status).toBe(200);
        const client = new Uint8Array(await response.arrayBuffer());
        try {
          const events = clientEvents(client, workerCase.shape === "chat");
          if (events.some(isError[workerCase.shape])) {
            expectErrorEnding(workerCase.shape, events);
            cutMidEvent++;
          } else expectCleanEnding(workerCase.shape, events);
        } catch (error) {
          const tail = new TextDecoder().decode(client).slice(-400);
          throw new Error(`cut-${cut}: ${String(error)}\nclient's last bytes: ${JSON.stringify(tail)}`);
        }
      }
      expect(cutMidEvent).toBeGreaterThan(3);
    }, 60_000);
  }

  it("records the usage of a cut Anthropic stream, as for any cut stream", async () => {
    const token = await freshKeyspace();
    await createConsoleAccount(token, "cut-530");
    const key = await createKey(token);
    const response = await messages(key.secret, { stream: true });
    expect(await response.text()).toMatch(/event: error\ndata: \{"type":"error"/);
    const usage = await waitFor(
      () => keyUsage(token, key.id),
      (u) => u.requests === 1,
    );
    expect(usage.requests).toBe(1);
    expect(usage.inputTokens).toBeGreaterThan(0);
  });
});

// ---- what an SDK makes of it ----

/**
 * A byte offset inside the data of the upstream's first event of `type` for this request (the
 * relay's own request to the fake differs from this probe by a few bytes at most).
 */
async function insideEvent(path: string, headers: Record<string, string>, body: unknown, marker: string) {
  const response = await fetch(`${upstreamUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const at = text.indexOf(marker);
  expect(at).toBeGreaterThan(0);
  const end = text.indexOf("\n\n", at);
  const cut = at + marker.length + 5;
  expect(end - cut).toBeGreaterThan(10);
  return encoder.encode(text.slice(0, cut)).length;
}

describe("an SDK reading a stream cut mid-event", () => {
  it("the Anthropic SDK raises an API error, not a JSON SyntaxError", async () => {
    const cut = await insideEvent(
      "/v1/messages",
      { "x-api-key": "sk-ant-probe" },
      { model: "claude-sonnet-4-5", max_tokens: 100, messages: SAY_HELLO, stream: true },
      "event: content_block_delta\ndata: ",
    );
    const token = await freshKeyspace();
    await createConsoleAccount(token, `cut-${cut}`);
    const key = await createKey(token);
    const client = new Anthropic({
      apiKey: key.secret,
      baseURL: `${BASE}/api`,
      fetch: (url, init) => SELF.fetch(url, init),
      maxRetries: 0,
    });
    const stream = await client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "Say hello" }],
      stream: true,
    });
    const seen: string[] = [];
    const failure = await (async () => {
      try {
        for await (const event of stream) seen.push(event.type);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(seen).toContain("message_start");
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect(failure).not.toBeInstanceOf(SyntaxError);
    expect(String((failure as Error).message)).toContain(MESSAGE);
  });

  it("the OpenAI SDK raises an API error on a cut chat stream", async () => {
    const cut = await insideEvent(
      "/v1/chat/completions",
      { authorization: "Bearer sk-probe" },
      { model: "gpt-4o", messages: SAY_HELLO, stream: true, stream_options: { include_usage: true } },
      '"content":"Hello',
    );
    const token = await freshKeyspace();
    await createAccount(token, "openai-api", {
      name: "oai-cut",
      apiKey: `sk-proj-cut-${crypto.randomUUID()}`,
      baseUrl: `${upstreamUrl}/s/cut-${cut}`,
    });
    const key = await createKey(token);
    const client = new OpenAI({
      apiKey: key.secret,
      baseURL: `${BASE}/v1`,
      fetch: (url, init) => SELF.fetch(url, init),
      maxRetries: 0,
    });
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      messages: SAY_HELLO,
      stream: true,
    });
    const failure = await (async () => {
      try {
        for await (const _chunk of stream);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(String((failure as Error).message)).toContain(MESSAGE);
  });
});
