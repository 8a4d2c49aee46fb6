// Random and mutated input for the parsers that read untrusted bytes: they never throw, and what
// they report stays within what the input could mean.
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { claudeSessionHash } from "../../worker/providers/claude/session.ts";
import {
  usageFromJson as claudeJson,
  usageFromSse as claudeSse,
} from "../../worker/providers/claude/usage.ts";
import { geminiSessionHash } from "../../worker/providers/gemini/session.ts";
import {
  usageFromJson as geminiJson,
  usageFromSse as geminiSse,
} from "../../worker/providers/gemini/usage.ts";
import { openaiSessionHash } from "../../worker/providers/openai/session.ts";
import {
  usageFromJson as openaiJson,
  usageFromSse as openaiSse,
} from "../../worker/providers/openai/usage.ts";
import { sseEvents } from "../../worker/usage/sse.ts";
import { BASE, createConsoleAccount, createKey, freshKeyspace } from "./helpers.ts";

const meters = [
  ["claude", claudeSse, claudeJson],
  ["gemini", geminiSse, geminiJson],
  ["openai", openaiSse, openaiJson],
] as const;

const realStream = [
  'event: message_start\ndata: {"type":"message_start","message":{"model":"m","usage":{"input_tokens":12,"output_tokens":1}}}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":7}}\n\n',
  'data: {"candidates":[{"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":3}}\r\n\r\n',
  'data: {"type":"response.completed","response":{"usage":{"input_tokens":4,"output_tokens":2,"total_tokens":6}}}\n\n',
  "data: [DONE]\n\n",
].join("");

/** A real stream with random cuts, insertions and deletions. */
const mutatedStream = fc
  .array(fc.tuple(fc.nat(realStream.length), fc.nat(8), fc.string({ maxLength: 6 })), { maxLength: 6 })
  .map((edits) =>
    edits.reduce(
      (text, [at, remove, insert]) => text.slice(0, at) + insert + text.slice(at + remove),
      realStream,
    ),
  );

const anyText = fc.oneof(fc.string(), fc.string({ unit: "binary" }), mutatedStream, fc.json());

function sane(usage: Record<string, number>) {
  for (const value of Object.values(usage)) {
    expect(Number.isInteger(value)).toBe(true);
    expect(value).toBeGreaterThanOrEqual(0);
  }
}

describe("fuzzed parsers", () => {
  it("the SSE parser never throws and yields only data-bearing events", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        for (const event of sseEvents(text)) expect(typeof event.data).toBe("string");
      }),
      { numRuns: 500 },
    );
  });

  for (const [name, fromSse, fromJson] of meters) {
    it(`the ${name} meters never throw and report non-negative whole token counts`, () => {
      fc.assert(
        fc.property(anyText, (text) => {
          sane(fromSse(text).usage);
          sane(fromJson(text).usage);
        }),
        { numRuns: 500 },
      );
    });
  }

  it("the session hashes never throw on any JSON body", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (body) => {
        for (const hash of [
          await claudeSessionHash(body),
          await geminiSessionHash(body),
          await openaiSessionHash(body, new Headers()),
        ]) {
          if (hash !== undefined) expect(typeof hash).toBe("string");
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("fuzzed client bodies at every route", () => {
  let secret: string;
  beforeAll(async () => {
    const token = await freshKeyspace();
    await createConsoleAccount(token, "ok");
    secret = (await createKey(token)).secret;
  });

  const routes = [
    "/api/v1/messages",
    "/openai/v1/responses",
    "/gemini/v1beta/models/gemini-2.5-pro:generateContent",
  ];
  const bodies = fc.oneof(
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc
      .record({
        model: fc.oneof(fc.string(), fc.integer()),
        messages: fc.jsonValue(),
        stream: fc.jsonValue(),
      })
      .map((b) => JSON.stringify(b)),
    fc.string({ unit: "binary", maxLength: 200 }),
  );

  for (const route of routes) {
    it(`${route} answers any body without a 5xx from the relay`, async () => {
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const response = await SELF.fetch(`${BASE}${route}`, {
            method: "POST",
            headers: { "x-api-key": secret, "content-type": "application/json" },
            body,
          });
          const text = await response.text();
          expect(response.status === 500 || response.status === 502, `${response.status} ${text}`).toBe(
            false,
          );
          expect(text).not.toMatch(/\.ts:\d+/);
        }),
        { numRuns: 60 },
      );
    }, 60_000);
  }
});
