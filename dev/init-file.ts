// First start of a local stack: the admin credential and a relay key for local clients, written
// to data/init.json like the original service's init file. Later starts read the file back and
// check it still matches the keyspace, repairing whichever half went missing.
import { existsSync, readFileSync } from "node:fs";
import { ensureAdminCredential } from "../worker/admin/bootstrap.ts";
import { createRelayKey } from "../worker/admin/relay-keys.ts";
import { hashPassword, hashRelayKey, randomPassword, verifyPassword } from "../worker/keyspace/crypto.ts";
import type { Keyspace } from "../worker/keyspace/store.ts";
import { writePrivateFile } from "./secrets.ts";

export interface InitFile {
  initializedAt: string;
  adminUsername: string;
  adminPassword: string;
  /** The `cr_…` key named "local-dev"; the keyspace only keeps its hash. */
  devRelayKey: string;
  version: string;
}

export interface InitOptions {
  initFile: string;
  keyHashSecret: string;
  version: string;
  /** Told about anything repaired on a later start. */
  log?: (line: string) => void;
}

export const DEV_KEY_NAME = "local-dev";

export function readInitFile(file: string): InitFile | null {
  if (!existsSync(file)) return null;
  try {
    const data = JSON.parse(readFileSync(file, "utf8")) as Partial<InitFile>;
    const fields = ["initializedAt", "adminUsername", "adminPassword", "devRelayKey", "version"] as const;
    return fields.every((f) => typeof data[f] === "string") ? (data as InitFile) : null;
  } catch {
    return null;
  }
}

/** Makes sure the keyspace holds the admin login and dev key that `initFile` records; writes the file. */
export async function ensureInitFile(keyspace: Keyspace, options: InitOptions): Promise<InitFile> {
  const log = options.log ?? (() => {});
  const previous = readInitFile(options.initFile);
  const wanted = previous ? { username: previous.adminUsername, password: previous.adminPassword } : {};
  const admin = await ensureAdminCredential(keyspace, wanted);

  let login: { username: string; password: string };
  if (admin.created) {
    login = admin.login;
    if (previous) log(`admin credential was missing from the keyspace: recreated from ${options.initFile}`);
  } else if (previous && (await passwordMatches(keyspace, previous))) {
    login = { username: previous.adminUsername, password: previous.adminPassword };
  } else {
    // The keyspace has an admin whose password nobody wrote down: give it a new one.
    login = { username: admin.username, password: randomPassword(20) };
    await keyspace.replaceAdminCredential({
      v: 1,
      username: login.username,
      passwordHash: await hashPassword(login.password),
      createdAt: new Date().toISOString(),
    });
    log(`admin password for ${login.username} was not in ${options.initFile}: set a new one`);
  }

  let devRelayKey = previous?.devRelayKey ?? "";
  if (!(devRelayKey && (await relayKeyExists(keyspace, options.keyHashSecret, devRelayKey)))) {
    if (previous)
      log(`the dev relay key in ${options.initFile} is unknown to the keyspace: issued a new one`);
    devRelayKey = (await createRelayKey(keyspace, options.keyHashSecret, { name: DEV_KEY_NAME })).key;
  }

  const init: InitFile = {
    initializedAt: previous?.initializedAt ?? new Date().toISOString(),
    adminUsername: login.username,
    adminPassword: login.password,
    devRelayKey,
    version: options.version,
  };
  if (JSON.stringify(init) !== JSON.stringify(previous)) {
    writePrivateFile(options.initFile, `${JSON.stringify(init, null, 2)}\n`);
  }
  return init;
}

async function passwordMatches(keyspace: Keyspace, init: InitFile): Promise<boolean> {
  const stored = await keyspace.getAdminCredential();
  return (
    stored !== null &&
    stored.username === init.adminUsername &&
    (await verifyPassword(init.adminPassword, stored.passwordHash))
  );
}

async function relayKeyExists(keyspace: Keyspace, hashSecret: string, key: string): Promise<boolean> {
  const id = await keyspace.findRelayKeyIdByHash(await hashRelayKey(hashSecret, key));
  return id !== null && (await keyspace.getRelayKey(id)) !== null;
}
