// `npm run deploy:setup`: the first-run setup of a production deployment on your own Cloudflare
// account and Upstash database. It
//   1. takes the Upstash REST URL and token (flags, environment, or asks),
//   2. generates KEY_HASH_SECRET, ENCRYPTION_KEY (64 hex), JWT_SECRET and METRICS_TOKEN,
//   3. stores each with `wrangler secret put NAME` (value on stdin, never on the command line),
//      skipping generated secrets the Worker already has (changing KEY_HASH_SECRET would void every
//      relay key, ENCRYPTION_KEY every stored account credential) unless --force,
//   4. creates the admin login directly in the Upstash keyspace (unless one exists) and prints it
//      once.
// `--dry-run` prints the plan and calls neither wrangler nor Upstash.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { fileURLToPath } from "node:url";
import { ensureAdminCredential } from "../worker/admin/bootstrap.ts";
import { connectRedis, Keyspace } from "../worker/keyspace/store.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export const USAGE = `usage: npm run deploy:setup -- [options]

  --upstash-url URL        Upstash REST URL (or UPSTASH_REDIS_REST_URL; asked when missing)
  --upstash-token TOKEN    Upstash REST token (or UPSTASH_REDIS_REST_TOKEN; asked when missing)
  --admin-user NAME        admin user name (default cr_admin_<8 hex>)
  --admin-password PASS    admin password (default: generated)
  --env NAME               a wrangler environment (passed to wrangler as --env)
  --force                  replace generated secrets the Worker already has (voids relay keys
                           and stored account credentials: only for a fresh start)
  --save-secrets FILE      also write the generated secrets to FILE (mode 0600) as a backup
  --dry-run                print what would be done; call neither wrangler nor Upstash
  --help`;

export interface SetupOptions {
  dryRun: boolean;
  force: boolean;
  upstashUrl?: string;
  upstashToken?: string;
  adminUser?: string;
  adminPassword?: string;
  env?: string;
  saveSecrets?: string;
}

const VALUE_FLAGS: Record<string, keyof SetupOptions> = {
  "--upstash-url": "upstashUrl",
  "--upstash-token": "upstashToken",
  "--admin-user": "adminUser",
  "--admin-password": "adminPassword",
  "--env": "env",
  "--save-secrets": "saveSecrets",
};

export function parseArgs(
  argv: string[],
  environment: NodeJS.ProcessEnv = process.env,
): SetupOptions | { help: true } | { error: string } {
  const options: SetupOptions = {
    dryRun: false,
    force: false,
    upstashUrl: environment.UPSTASH_REDIS_REST_URL || undefined,
    upstashToken: environment.UPSTASH_REDIS_REST_TOKEN || undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [flag, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg];
    if (flag === "--help" || flag === "-h") return { help: true };
    if (flag === "--dry-run") options.dryRun = true;
    else if (flag === "--force") options.force = true;
    else if (flag && flag in VALUE_FLAGS) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === "") return { error: `${flag} needs a value` };
      Object.assign(options, { [VALUE_FLAGS[flag] as string]: value });
    } else return { error: `unknown option ${arg}` };
  }
  if (options.upstashUrl) {
    const problem = checkUpstashUrl(options.upstashUrl);
    if (problem) return { error: problem };
  }
  if (options.adminPassword !== undefined && options.adminPassword.length < 12)
    return { error: "--admin-password must be at least 12 characters" };
  return options;
}

/** https, or http on loopback (a local Upstash-REST bridge). */
export function checkUpstashUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
    if (parsed.protocol === "https:" || (parsed.protocol === "http:" && loopback)) return null;
    return `the Upstash REST URL must be https:// (got ${parsed.protocol}//${parsed.host})`;
  } catch {
    return "the Upstash REST URL is not a URL (it looks like https://<name>.upstash.io)";
  }
}

/** The secrets this script generates, and what each one does. */
export const GENERATED = {
  KEY_HASH_SECRET: {
    make: () => randomBytes(32).toString("base64url"),
    what: "HMAC key for relay-key hashes",
  },
  ENCRYPTION_KEY: {
    make: () => randomBytes(32).toString("hex"),
    what: "AES-256-GCM key for account credentials (64 hex)",
  },
  JWT_SECRET: { make: () => randomBytes(32).toString("base64url"), what: "signs admin and user sessions" },
  METRICS_TOKEN: { make: () => randomBytes(24).toString("base64url"), what: "bearer token for GET /metrics" },
} as const;
type GeneratedName = keyof typeof GENERATED;
const GENERATED_NAMES = Object.keys(GENERATED) as GeneratedName[];

// ---- wrangler ------------------------------------------------------------------------------

/** `node <wrangler.js> …`; EDGE_RELAY_WRANGLER points elsewhere (the tests use a fake). */
function wrangler(args: string[], env: string | undefined, input?: string) {
  const script = process.env.EDGE_RELAY_WRANGLER ?? join(ROOT, "node_modules/wrangler/bin/wrangler.js");
  const full = env ? [...args, "--env", env] : args;
  return spawnSync(process.execPath, [script, ...full], {
    cwd: ROOT,
    input,
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Secret names the Worker already has; null when the Worker is not deployed yet (or wrangler failed). */
function existingSecrets(env: string | undefined): Set<string> | null {
  const result = wrangler(["secret", "list", "--format", "json"], env);
  if (result.status !== 0) return null;
  try {
    const listed = JSON.parse(result.stdout) as { name: string }[];
    return new Set(listed.map((s) => s.name));
  } catch {
    return null;
  }
}

function putSecret(name: string, value: string, env: string | undefined): void {
  const result = wrangler(["secret", "put", name], env, value);
  if (result.status !== 0) {
    const detail = (result.stderr || result.stdout || "").trim().split("\n").slice(-3).join("\n");
    throw new Error(`wrangler secret put ${name} failed:\n${detail}`);
  }
}

// ---- the plan ------------------------------------------------------------------------------

const mask = (value: string | undefined, label: string) =>
  value === undefined ? `(${label})` : `(given, ${value.length} characters)`;

export function planLines(options: SetupOptions): string[] {
  const envNote = options.env ? ` --env ${options.env}` : "";
  const lines = [
    `edge-relay deploy setup${options.dryRun ? " — dry run: nothing is sent to Cloudflare or written to Upstash" : ""}`,
    "",
    `1. wrangler secret list${envNote}: find the secrets the Worker already has`,
    `2. wrangler secret put NAME${envNote} (value on stdin) for:`,
    `     UPSTASH_REDIS_REST_URL    ${options.upstashUrl ?? "(asked)"}`,
    `     UPSTASH_REDIS_REST_TOKEN  ${mask(options.upstashToken, "asked")}`,
  ];
  for (const name of GENERATED_NAMES) {
    const keep = options.force ? "replaced if already set (--force)" : "skipped if already set";
    lines.push(`     ${name.padEnd(25)} generated: ${GENERATED[name].what}; ${keep}`);
  }
  lines.push(
    `3. admin login in the Upstash keyspace, unless one exists: user ${options.adminUser ?? "cr_admin_<8 hex>"}, ` +
      `password ${options.adminPassword ? "as given" : "generated"}; printed once`,
  );
  if (options.saveSecrets)
    lines.push(`4. the generated secrets also written to ${options.saveSecrets} (mode 0600)`);
  return lines;
}

async function ask(question: string, secret = false): Promise<string> {
  if (!process.stdin.isTTY) throw new Error(`${question.trim()} needed: pass it as a flag (see --help)`);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (secret) {
    // Echo nothing while the token is typed.
    const output = rl as unknown as { _writeToOutput?: (s: string) => void };
    const original = output._writeToOutput?.bind(rl);
    output._writeToOutput = (s: string) => {
      if (s.includes(question)) original?.(s);
    };
  }
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
    if (secret) process.stdout.write("\n");
  }
}

export async function runSetup(
  options: SetupOptions,
  out: (line: string) => void = console.log,
): Promise<void> {
  for (const line of planLines(options)) out(line);
  if (options.dryRun) {
    out("");
    out("Dry run: done. Run it again without --dry-run to do it.");
    return;
  }
  const upstashUrl = options.upstashUrl ?? (await ask("Upstash REST URL (https://….upstash.io): "));
  const urlProblem = checkUpstashUrl(upstashUrl);
  if (urlProblem) throw new Error(urlProblem);
  const upstashToken = options.upstashToken ?? (await ask("Upstash REST token: ", true));
  if (!upstashToken) throw new Error("the Upstash REST token is empty");

  out("");
  out("Checking the Upstash database …");
  const keyspace = new Keyspace(connectRedis({ url: upstashUrl, token: upstashToken }));
  try {
    await keyspace.redis.ping();
  } catch (error) {
    throw new Error(
      `cannot reach Upstash at ${upstashUrl}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  const existing = existingSecrets(options.env);
  if (existing === null)
    out("No secret list from wrangler (Worker not deployed yet?): setting every secret.");
  const values: Record<string, string> = {
    UPSTASH_REDIS_REST_URL: upstashUrl,
    UPSTASH_REDIS_REST_TOKEN: upstashToken,
  };
  const generated: Record<string, string> = {};
  for (const name of GENERATED_NAMES) {
    if (existing?.has(name) && !options.force) {
      out(`  ${name}: already set, kept`);
      continue;
    }
    generated[name] = GENERATED[name].make();
    values[name] = generated[name];
  }
  for (const [name, value] of Object.entries(values)) {
    putSecret(name, value, options.env);
    out(`  ${name}: set`);
  }
  if (options.saveSecrets && Object.keys(generated).length > 0) {
    writeFileSync(options.saveSecrets, `${JSON.stringify(generated, null, 2)}\n`, { mode: 0o600 });
    chmodSync(options.saveSecrets, 0o600);
    out(`  generated secrets saved to ${options.saveSecrets} (keep it safe, out of git)`);
  }

  const admin = await ensureAdminCredential(keyspace, {
    username: options.adminUser,
    password: options.adminPassword,
  });
  out("");
  if (admin.created) {
    out("Admin login (shown once; keep it safe):");
    out(`  user:     ${admin.login.username}`);
    out(`  password: ${admin.login.password}`);
  } else {
    out(`An admin login exists already (user ${admin.username}); it was left as it is.`);
  }
  out("");
  out(
    `Next: npm run deploy${options.env ? ` -- --env ${options.env}` : ""} (prints the Worker's URL), then log in at`,
  );
  out("POST https://<worker-url>/admin/auth/login or in the dashboard (npm run deploy:ui).");
}

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  if ("help" in parsed) {
    console.log(USAGE);
    return;
  }
  if ("error" in parsed) {
    console.error(`deploy:setup: ${parsed.error}\n\n${USAGE}`);
    process.exit(2);
  }
  try {
    await runSetup(parsed);
  } catch (error) {
    console.error(`deploy:setup: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
