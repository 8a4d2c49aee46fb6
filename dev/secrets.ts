// The Worker's secrets for local runs. Generated once and kept (dev: .dev/secrets.json), so a
// restarted stack still opens what it encrypted and still recognises the relay keys it issued.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Secrets the Worker reads; UPSTASH_REDIS_REST_URL is added at start, since the bridge port changes. */
export interface DevSecrets {
  /** Also the bridge's bearer token. */
  UPSTASH_REDIS_REST_TOKEN: string;
  KEY_HASH_SECRET: string;
  /** 32 bytes as 64 hex chars. */
  ENCRYPTION_KEY: string;
  JWT_SECRET: string;
}

const GENERATORS: Record<keyof DevSecrets, () => string> = {
  UPSTASH_REDIS_REST_TOKEN: () => randomBytes(24).toString("base64url"),
  KEY_HASH_SECRET: () => randomBytes(32).toString("base64url"),
  ENCRYPTION_KEY: () => randomBytes(32).toString("hex"),
  JWT_SECRET: () => randomBytes(32).toString("base64url"),
};

const NAMES = Object.keys(GENERATORS) as (keyof DevSecrets)[];

export function generateSecrets(): DevSecrets {
  return Object.fromEntries(NAMES.map((name) => [name, GENERATORS[name]()])) as unknown as DevSecrets;
}

/**
 * Reads the secrets file, creating it (mode 0600) the first time. A secret missing from an
 * older file is generated and added; the ones already there are never changed.
 */
export function loadOrCreateSecrets(file: string): DevSecrets {
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  const secrets = {} as DevSecrets;
  let changed = false;
  for (const name of NAMES) {
    const value = stored[name];
    if (typeof value === "string" && value.length > 0) {
      secrets[name] = value;
    } else {
      secrets[name] = GENERATORS[name]();
      changed = true;
    }
  }
  if (!/^[0-9a-f]{64}$/i.test(secrets.ENCRYPTION_KEY)) {
    throw new Error(`${file}: ENCRYPTION_KEY must be 64 hex characters`);
  }
  if (changed) writePrivateFile(file, `${JSON.stringify(secrets, null, 2)}\n`);
  return secrets;
}

/** Writes a file only its owner can read, creating its directory. */
export function writePrivateFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}
