// Relay-key hashing, credential encryption and password hashing, all on WebCrypto so the
// same code runs in workerd and in Node (dev scripts, CLI, importers).

const encoder = new TextEncoder();

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = "";
  for (const b of view) out += b.toString(16).padStart(2, "0");
  return out;
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** Compares two strings without an early exit, so timing does not reveal a common prefix. */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let diff = left.length ^ right.length;
  for (let i = 0; i < left.length; i++) diff |= (left[i] ?? 0) ^ (right[i % right.length] ?? 0);
  return diff === 0;
}

// ---- relay keys -------------------------------------------------------------------------

export const RELAY_KEY_PREFIX = "cr_";

/** `cr_` + 32 random bytes in hex: the same 67-character format as Claude Relay Service. */
export function generateRelayKey(): string {
  return RELAY_KEY_PREFIX + toHex(randomBytes(32));
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    hmacKeys.set(secret, key);
  }
  return key;
}

/** HMAC-SHA-256(secret, key) in hex: what the keyspace stores instead of the key. */
export async function hashRelayKey(secret: string, relayKey: string): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(relayKey));
  return toHex(signature);
}

// ---- credentials at rest: AES-256-GCM in a versioned envelope ---------------------------
// Envelope: `v1.<keyId>.<iv>.<ciphertext>` (base64url). keyId names the encryption key so
// the secret can rotate: records sealed under an older key still open with it.

export interface SealingKey {
  id: string;
  key: CryptoKey;
}

function decodeSecretBytes(secret: string): Uint8Array<ArrayBuffer> {
  if (/^[0-9a-f]{64}$/i.test(secret)) {
    return Uint8Array.from(secret.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
  }
  const bytes = fromBase64Url(secret.trim());
  if (bytes.length !== 32) throw new Error("ENCRYPTION_KEY must be 32 bytes (64 hex chars or base64)");
  return bytes;
}

/** Whether a secret can be an ENCRYPTION_KEY, checked with the config so a bad one fails at once. */
export function isSealingKeySecret(secret: string): boolean {
  try {
    decodeSecretBytes(secret);
    return true;
  } catch {
    return false;
  }
}

export async function importSealingKey(secret: string): Promise<SealingKey> {
  const raw = decodeSecretBytes(secret);
  const digest = await crypto.subtle.digest("SHA-256", raw);
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  return { id: toHex(digest).slice(0, 8), key };
}

export async function seal(sealingKey: SealingKey, plaintext: string): Promise<string> {
  const iv = randomBytes(12);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv },
    sealingKey.key,
    encoder.encode(plaintext),
  );
  return `v1.${sealingKey.id}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ciphertext))}`;
}

export async function unseal(sealingKeys: readonly SealingKey[], envelope: string): Promise<string> {
  const [version, keyId, iv, ciphertext] = envelope.split(".");
  if (version !== "v1" || !keyId || !iv || !ciphertext) throw new Error("unknown credential envelope");
  const sealingKey = sealingKeys.find((k) => k.id === keyId);
  if (!sealingKey) throw new Error(`credential sealed with unknown key ${keyId}`);
  const plaintext = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64Url(iv) },
    sealingKey.key,
    fromBase64Url(ciphertext),
  );
  return new TextDecoder().decode(plaintext);
}

// ---- admin passwords: PBKDF2-SHA-256 (workerd caps iterations at 100,000) ----------------

const PBKDF2_ITERATIONS = 100_000;

async function pbkdf2(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material,
    256,
  );
  return new Uint8Array(bits);
}

/** `pbkdf2-sha256$<iterations>$<salt>$<hash>` */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await pbkdf2(password, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !iterations || !salt || !hash) return false;
  const candidate = await pbkdf2(password, fromBase64Url(salt), Number(iterations));
  return timingSafeEqual(toBase64Url(candidate), hash);
}

export function randomPassword(length = 20): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join("");
}
