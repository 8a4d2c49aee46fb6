import { describe, expect, it } from "vitest";
import {
  generateRelayKey,
  hashPassword,
  hashRelayKey,
  importSealingKey,
  seal,
  timingSafeEqual,
  unseal,
  verifyPassword,
} from "../../worker/keyspace/crypto.ts";

const SECRET_A = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const SECRET_B = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

describe("relay keys", () => {
  it("have the original's format: cr_ + 64 hex chars", () => {
    const key = generateRelayKey();
    expect(key).toMatch(/^cr_[0-9a-f]{64}$/);
    expect(generateRelayKey()).not.toBe(key);
  });

  it("hash with HMAC-SHA-256: stable per secret, different across secrets", async () => {
    const key = generateRelayKey();
    const a1 = await hashRelayKey("secret-one-0123456789", key);
    expect(a1).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashRelayKey("secret-one-0123456789", key)).toBe(a1);
    expect(await hashRelayKey("secret-two-0123456789", key)).not.toBe(a1);
    expect(a1).not.toContain(key.slice(3, 20));
  });

  it("compares in constant time, correctly", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
    expect(timingSafeEqual("", "")).toBe(true);
  });
});

describe("credential envelopes (AES-256-GCM)", () => {
  it("round-trip, with a fresh IV each time", async () => {
    const key = await importSealingKey(SECRET_A);
    const one = await seal(key, '{"apiKey":"sk-ant-123"}');
    const two = await seal(key, '{"apiKey":"sk-ant-123"}');
    expect(one).not.toBe(two);
    expect(one.startsWith(`v1.${key.id}.`)).toBe(true);
    expect(one).not.toContain("sk-ant");
    expect(await unseal([key], one)).toBe('{"apiKey":"sk-ant-123"}');
  });

  it("open with the previous key after a rotation, and refuse unknown keys or tampering", async () => {
    const oldKey = await importSealingKey(SECRET_A);
    const newKey = await importSealingKey(SECRET_B);
    const sealed = await seal(oldKey, "secret");
    expect(await unseal([newKey, oldKey], sealed)).toBe("secret");
    await expect(unseal([newKey], sealed)).rejects.toThrow(/unknown key/);
    const parts = sealed.split(".");
    const tampered = [...parts.slice(0, 3), `${parts[3]?.slice(0, -2)}AA`].join(".");
    await expect(unseal([oldKey], tampered)).rejects.toThrow();
    await expect(unseal([oldKey], "plain")).rejects.toThrow(/envelope/);
  });
});

describe("admin passwords (PBKDF2)", () => {
  it("verify the right password only", async () => {
    const stored = await hashPassword("correct horse");
    expect(stored.startsWith("pbkdf2-sha256$100000$")).toBe(true);
    expect(await verifyPassword("correct horse", stored)).toBe(true);
    expect(await verifyPassword("wrong horse", stored)).toBe(false);
    expect(await verifyPassword("correct horse", "garbage")).toBe(false);
  });
});
