// The Google GenAI SDK (@google/genai) pointed at the relay's /gemini with a relay key, as a user
// of the original does: generateContent, a stream, countTokens and a refused key, on a Gemini
// API-key account of the fake upstream; the key's usage equals what the fake sent.
import { ApiError, GoogleGenAI } from "@google/genai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminCall } from "./harness/relay.ts";
import { apiKey, type RelaySession, startRelaySession } from "./harness/session.ts";
import { expectMetered } from "./harness/usage.ts";

let e2e: RelaySession;
let keyId: string;
let client: GoogleGenAI;

const MODEL = "gemini-2.5-flash";
const REPLY = "Hello from fake upstream";

const sdk = (key: string) =>
  new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: `${e2e.stack.relayUrl}/gemini` } });

beforeAll(async () => {
  e2e = await startRelaySession();
  await adminCall(e2e.stack, e2e.token, "POST", "/accounts/gemini-api", {
    name: "gemini-sdk",
    apiKey: "AIza-sdk-e2e",
    baseUrl: e2e.upstream.url,
  });
  const key = await apiKey(e2e.stack, e2e.token, "gemini-sdk");
  keyId = key.id;
  client = sdk(key.secret);
});

afterAll(async () => {
  await e2e?.stop();
});

describe("the Google GenAI SDK through the relay", () => {
  it("generateContent: the answer, its usage metadata, and the key's usage as sent", async () => {
    await expectMetered(e2e, keyId, 1, async () => {
      const answer = await client.models.generateContent({
        model: MODEL,
        contents: "Say hello",
        config: { systemInstruction: "Be brief.", maxOutputTokens: 64 },
      });
      expect(answer.text).toBe(REPLY);
      expect(answer.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
      expect(answer.usageMetadata?.candidatesTokenCount).toBeGreaterThan(0);
      expect(e2e.upstream.stats().lastRequest?.path).toMatch(
        new RegExp(`/v1(beta)?/models/${MODEL}:generateContent$`),
      );
    });
  });

  it("generateContentStream: the chunks add up to the answer, usage recorded once", async () => {
    await expectMetered(e2e, keyId, 1, async () => {
      const stream = await client.models.generateContentStream({
        model: MODEL,
        contents: [{ role: "user", parts: [{ text: "Say hello" }] }],
      });
      let text = "";
      let chunks = 0;
      for await (const chunk of stream) {
        text += chunk.text ?? "";
        chunks += 1;
      }
      expect(chunks).toBeGreaterThan(1);
      expect(text).toBe(REPLY);
      expect(e2e.upstream.stats().lastRequest?.path).toContain(":streamGenerateContent");
    });
  });

  it("countTokens answers and is not billed as a request", async () => {
    const before = e2e.upstream.stats().usageSent.length;
    const counted = await client.models.countTokens({ model: MODEL, contents: "Count these words" });
    expect(counted.totalTokens).toBeGreaterThan(0);
    expect(e2e.upstream.stats().usageSent.length).toBe(before);
  });

  it("a wrong relay key is refused in Google's error shape, which the SDK reads", async () => {
    const error = await sdk(`cr_${"0".repeat(64)}`)
      .models.generateContent({ model: MODEL, contents: "hi" })
      .then(
        () => null,
        (thrown: unknown) => thrown,
      );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect((error as ApiError).message).toContain("Invalid API key");
  });
});
