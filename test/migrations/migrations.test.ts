// Keyspace migrations (migrations/framework.ts, registry.ts) on our own records in a real redis
// behind the Upstash bridge: dry run, apply, idempotence, records left alone when unreadable, and
// the `npm run migrate` CLI.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../dev/stack.ts";
import { type Migration, runMigrations } from "../../migrations/framework.ts";
import { MIGRATIONS } from "../../migrations/registry.ts";
import { keys } from "../../worker/keyspace/keys.ts";
import { relayKeyRecordSchema } from "../../worker/keyspace/records/relay-keys.ts";
import { dump, startKeyspace, type TestKeyspace } from "./helpers.ts";

let ks: TestKeyspace;
const HASH = "a".repeat(64);
const AT = "2025-01-01T00:00:00.000Z";

/** A v1 relay key as an early version wrote it: before the queue, weekly reset and other fields. */
const OLD_KEY = {
  v: 1,
  id: "old-key",
  name: "old",
  hash: HASH,
  preview: "cr_1234…abcd",
  isActive: true,
  createdAt: AT,
  updatedAt: AT,
  limits: { concurrencyLimit: 2, dailyCostLimit: 5 },
  someFutureField: "kept as it is",
};

const CURRENT_KEY = relayKeyRecordSchema.parse({
  v: 1,
  id: "current-key",
  name: "current",
  hash: "b".repeat(64),
  preview: "cr_5678…efgh",
  isActive: true,
  createdAt: AT,
  updatedAt: AT,
  limits: {},
});

const OLD_ACCOUNT = {
  v: 1,
  id: "old-account",
  type: "claude-console",
  platform: "claude",
  name: "console",
  credentials: "v1.abcd1234.aaaa.bbbb",
  createdAt: AT,
  updatedAt: AT,
};

async function seed(): Promise<void> {
  const r = ks.direct;
  await r.flushdb();
  await r.set(keys.relayKey(OLD_KEY.id), JSON.stringify(OLD_KEY));
  await r.set(keys.relayKey(CURRENT_KEY.id), JSON.stringify(CURRENT_KEY));
  await r.set(keys.relayKey("broken"), "{not json");
  await r.sadd(keys.relayKeyIndex(), OLD_KEY.id, CURRENT_KEY.id, "broken", "listed-but-gone");
  await r.set(keys.account(OLD_ACCOUNT.id), JSON.stringify(OLD_ACCOUNT));
  await r.sadd(keys.accountIndex(), OLD_ACCOUNT.id);
}

beforeAll(async () => {
  ks = await startKeyspace();
});

afterAll(async () => {
  await ks?.stop();
});

beforeEach(seed);

describe("the registered migrations", () => {
  it("dry run: report what would change, write nothing", async () => {
    const before = await dump(ks.direct);
    const run = await runMigrations(ks.upstash, MIGRATIONS, { apply: false });
    expect(run.mode).toBe("dry-run");
    expect(run.migrations.map((m) => [m.id, m.examined, m.changed, m.written])).toEqual([
      ["0001-relay-key-v1-defaults", 3, ["old-key"], 0],
      ["0002-account-v1-defaults", 1, ["old-account"], 0],
    ]);
    expect(run.migrations[0]?.invalid).toEqual([{ id: "broken", reason: expect.stringContaining("JSON") }]);
    expect(await dump(ks.direct)).toEqual(before);
  });

  it("apply: fills the defaults, keeps every other field, and a second run changes nothing", async () => {
    const run = await runMigrations(ks.upstash, MIGRATIONS, { apply: true });
    expect(run.migrations.map((m) => m.written)).toEqual([1, 1]);
    const stored = JSON.parse((await ks.direct.get(keys.relayKey(OLD_KEY.id))) ?? "{}") as Record<
      string,
      unknown
    >;
    expect(stored).toEqual({
      ...OLD_KEY,
      description: "",
      tags: [],
      expiry: { mode: "never" },
      boundAccounts: {},
      limits: relayKeyRecordSchema.shape.limits.parse(OLD_KEY.limits),
    });
    expect(stored.limits).toMatchObject({
      concurrencyLimit: 2,
      dailyCostLimit: 5,
      concurrencyQueueSeconds: 0,
    });
    // The complete record is byte for byte as it was.
    expect(await ks.direct.get(keys.relayKey(CURRENT_KEY.id))).toBe(JSON.stringify(CURRENT_KEY));
    expect(await ks.direct.get(keys.relayKey("broken"))).toBe("{not json");
    expect(Object.keys(await ks.direct.hgetall(keys.migrations())).sort()).toEqual([
      "0001-relay-key-v1-defaults",
      "0002-account-v1-defaults",
    ]);

    const records = await dump(ks.direct);
    const again = await runMigrations(ks.upstash, MIGRATIONS, { apply: true });
    expect(again.migrations.map((m) => [m.changed.length, m.written])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    const after = await dump(ks.direct);
    delete after[keys.migrations()];
    delete records[keys.migrations()];
    expect(after).toEqual(records);
  });
});

describe("the framework", () => {
  const renameTags: Migration = {
    id: "9001-test-labels",
    description: "test: `labels` becomes `tags`",
    family: "relayKeys",
    up(record) {
      if (!("labels" in record)) return null;
      const { labels, ...rest } = record;
      return { ...rest, tags: labels };
    },
  };

  it("writes a migration's result only if the schema accepts it", async () => {
    await ks.direct.set(
      keys.relayKey(OLD_KEY.id),
      JSON.stringify({ ...CURRENT_KEY, id: OLD_KEY.id, labels: ["x"] }),
    );
    await ks.direct.set(
      keys.relayKey(CURRENT_KEY.id),
      JSON.stringify({ ...CURRENT_KEY, labels: "not-a-list" }),
    );
    const run = await runMigrations(ks.upstash, [renameTags], { apply: true });
    const [outcome] = run.migrations;
    expect(outcome?.changed).toEqual([OLD_KEY.id]);
    expect(outcome?.invalid).toEqual(
      expect.arrayContaining([
        { id: CURRENT_KEY.id, reason: expect.stringContaining("result fails the schema: tags") },
      ]),
    );
    expect(JSON.parse((await ks.direct.get(keys.relayKey(OLD_KEY.id))) ?? "{}")).toMatchObject({
      tags: ["x"],
    });
    expect(JSON.parse((await ks.direct.get(keys.relayKey(CURRENT_KEY.id))) ?? "{}")).toMatchObject({
      labels: "not-a-list",
    });
  });

  it("leaves a record alone when it changed between read and write (compare-and-set)", async () => {
    await ks.direct.set(keys.relayKey(CURRENT_KEY.id), JSON.stringify({ ...CURRENT_KEY, labels: ["y"] }));
    // An admin edit lands between the migration's read and its write.
    const edited = JSON.stringify({ ...CURRENT_KEY, name: "edited" });
    const racing = new Proxy(ks.upstash, {
      get(target, property) {
        if (property === "eval")
          return async (...args: Parameters<typeof target.eval>) => {
            await ks.direct.set(keys.relayKey(CURRENT_KEY.id), edited);
            return target.eval(...args);
          };
        const value: unknown = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const run = await runMigrations(racing, [renameTags], { apply: true });
    expect(run.migrations[0]?.changed).toEqual([CURRENT_KEY.id]);
    expect(run.migrations[0]?.written).toBe(0);
    expect(await ks.direct.get(keys.relayKey(CURRENT_KEY.id))).toBe(edited);
  });
});

describe("npm run migrate", () => {
  function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(REPO_ROOT, "migrations/cli.ts"), ...args], {
        env: { ...process.env, UPSTASH_REDIS_REST_URL: ks.bridge.url, UPSTASH_REDIS_REST_TOKEN: ks.token },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }

  it("prints a dry run by default and applies with --apply", async () => {
    await ks.direct.del(keys.relayKey("broken"));
    await ks.direct.srem(keys.relayKeyIndex(), "broken");
    const dry = await cli([]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("dry run: nothing written");
    expect(dry.stdout).toContain("0001-relay-key-v1-defaults  relay keys: examined 2, would change 1");
    expect(await ks.direct.get(keys.relayKey(OLD_KEY.id))).toBe(JSON.stringify(OLD_KEY));

    const applied = await cli(["--apply", "--json"]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({
      mode: "apply",
      migrations: [{ written: 1 }, { written: 1 }],
    });
    const again = await cli(["--apply"]);
    expect(again.stdout).toContain("changed 0");
  });
});
