// npm run deploy:setup: the dry run prints the plan and touches nothing; a real run (against a
// local Upstash-REST bridge and a fake wrangler) sets each secret through stdin, keeps generated
// secrets the Worker already has, and creates the admin login once.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedis } from "../../dev/redis.ts";
import { startUpstashBridge, type UpstashBridge } from "../../dev/upstash-bridge.ts";
import { parseArgs } from "../../scripts/deploy-setup.ts";
import { verifyPassword } from "../../worker/keyspace/crypto.ts";
import { connectRedis, Keyspace } from "../../worker/keyspace/store.ts";

const ROOT = join(import.meta.dirname, "../..");
const TOKEN = "deploy-test-upstash-token";
const FAKE_WRANGLER = `
import { appendFileSync, readFileSync } from "node:fs";
const args = process.argv.slice(2);
const stdin = args[1] === "put" ? readFileSync(0, "utf8") : "";
appendFileSync(process.env.FAKE_WRANGLER_LOG, JSON.stringify({ args, stdin }) + "\\n");
if (args[1] === "list") process.stdout.write(JSON.stringify((process.env.FAKE_WRANGLER_EXISTING ?? "").split(",").filter(Boolean).map((name) => ({ name, type: "secret_text" }))));
`;

let dir: string;
let fakeWrangler: string;
let redisServer: RedisServer;
let bridge: UpstashBridge;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "edge-relay-deploy-"));
  fakeWrangler = join(dir, "fake-wrangler.mjs");
  writeFileSync(fakeWrangler, FAKE_WRANGLER);
  redisServer = await startRedis();
  bridge = await startUpstashBridge({ redisPort: redisServer.port, token: TOKEN });
});

afterAll(async () => {
  await bridge?.close();
  await redisServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a command without blocking this process (the Upstash bridge it talks to lives here). */
function run(command: string, args: string[], log: string, existing = "") {
  const child = spawn(command, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      EDGE_RELAY_WRANGLER: fakeWrangler,
      FAKE_WRANGLER_LOG: log,
      FAKE_WRANGLER_EXISTING: existing,
      UPSTASH_REDIS_REST_URL: "",
      UPSTASH_REDIS_REST_TOKEN: "",
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

type Call = { args: string[]; stdin: string };
const calls = (log: string): Call[] =>
  existsSync(log)
    ? readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Call)
    : [];

describe("deploy:setup", () => {
  it("--dry-run prints the plan and calls neither wrangler nor Upstash", async () => {
    const log = join(dir, "dry.log");
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const result = await run(
      npm,
      [
        "run",
        "--silent",
        "deploy:setup",
        "--",
        "--dry-run",
        "--upstash-url",
        "https://eu1-example.upstash.io",
        "--upstash-token",
        "super-secret-upstash-token",
        "--admin-user",
        "ops",
      ],
      log,
    );
    expect(result.stderr).not.toMatch(/deploy:setup:/);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("dry run");
    for (const name of [
      "UPSTASH_REDIS_REST_URL",
      "UPSTASH_REDIS_REST_TOKEN",
      "KEY_HASH_SECRET",
      "ENCRYPTION_KEY",
      "JWT_SECRET",
      "METRICS_TOKEN",
    ]) {
      expect(result.stdout).toContain(name);
    }
    expect(result.stdout).toContain("wrangler secret put NAME");
    expect(result.stdout).toContain("https://eu1-example.upstash.io");
    expect(result.stdout).toContain("user ops");
    expect(result.stdout).not.toContain("super-secret-upstash-token");
    expect(existsSync(log)).toBe(false);
  });

  it("sets each secret through stdin, keeps generated ones already set, and creates the admin login once", async () => {
    const log = join(dir, "real.log");
    const script = join(ROOT, "scripts/deploy-setup.ts");
    const args = [script, "--upstash-url", bridge.url, "--upstash-token", TOKEN, "--admin-user", "ops-admin"];
    const first = await run(process.execPath, args, log, "KEY_HASH_SECRET");
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);

    const made = calls(log);
    expect(made[0]?.args).toEqual(["secret", "list", "--format", "json"]);
    const puts = new Map(made.slice(1).map((c) => [c.args[2] ?? "", c]));
    expect([...puts.keys()].sort()).toEqual(
      [
        "ENCRYPTION_KEY",
        "JWT_SECRET",
        "METRICS_TOKEN",
        "UPSTASH_REDIS_REST_TOKEN",
        "UPSTASH_REDIS_REST_URL",
      ].sort(),
    );
    for (const call of puts.values()) expect(call.args.slice(0, 2)).toEqual(["secret", "put"]);
    expect(puts.get("UPSTASH_REDIS_REST_URL")?.stdin).toBe(bridge.url);
    expect(puts.get("UPSTASH_REDIS_REST_TOKEN")?.stdin).toBe(TOKEN);
    expect(puts.get("ENCRYPTION_KEY")?.stdin).toMatch(/^[0-9a-f]{64}$/);
    expect(puts.get("JWT_SECRET")?.stdin.length).toBeGreaterThanOrEqual(32);
    expect(first.stdout).toContain("KEY_HASH_SECRET: already set, kept");
    // Secret values never reach the output.
    for (const call of puts.values())
      if (call.stdin !== bridge.url) expect(first.stdout).not.toContain(call.stdin);

    const password = /password: (\S+)/.exec(first.stdout)?.[1] ?? "";
    expect(first.stdout).toContain("user:     ops-admin");
    const keyspace = new Keyspace(connectRedis({ url: bridge.url, token: TOKEN }));
    const credential = await keyspace.getAdminCredential();
    expect(credential?.username).toBe("ops-admin");
    expect(await verifyPassword(password, credential?.passwordHash ?? "")).toBe(true);

    const second = await run(process.execPath, args, join(dir, "second.log"), GENERATED_ALL);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain("An admin login exists already (user ops-admin)");
    expect(second.stdout).not.toMatch(/password: /);
    const again = calls(join(dir, "second.log"))
      .filter((c) => c.args[1] === "put")
      .map((c) => c.args[2]);
    expect(again.sort()).toEqual(["UPSTASH_REDIS_REST_TOKEN", "UPSTASH_REDIS_REST_URL"]);
  });

  it("refuses a plain-http Upstash URL that is not loopback, and unknown options", () => {
    expect(parseArgs(["--upstash-url", "http://db.example.com"], {})).toEqual({
      error: expect.stringContaining("must be https://"),
    });
    expect(parseArgs(["--nope"], {})).toEqual({ error: "unknown option --nope" });
    expect(parseArgs(["--dry-run", "--env=staging"], {})).toMatchObject({ dryRun: true, env: "staging" });
  });
});

const GENERATED_ALL = "KEY_HASH_SECRET,ENCRYPTION_KEY,JWT_SECRET,METRICS_TOKEN";
