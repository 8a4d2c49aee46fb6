// Keyspace migrations: each one moves the stored records of one family (relay keys, accounts)
// to what the current schemas expect. A migration is a pure function of one record; the runner
// reads every record of the family, asks the migration, validates the result with the family's
// zod schema and — only with `apply` — writes it back with a compare-and-set, so a record an
// admin changed meanwhile is left alone (and found again by the next run). Running twice changes
// nothing: a migration returns null for a record that needs no change, its own output included.
import type { Redis } from "@upstash/redis/cloudflare";
import type { z } from "zod";
import { keys } from "../worker/keyspace/keys.ts";
import { accountRecordSchema } from "../worker/keyspace/records/accounts.ts";
import { relayKeyRecordSchema } from "../worker/keyspace/records/relay-keys.ts";

export interface RecordFamily {
  label: string;
  /** The set of the family's ids. */
  index: () => string;
  key: (id: string) => string;
  /** What a record must be after every migration has run. */
  schema: z.ZodType;
}

export const FAMILIES = {
  relayKeys: {
    label: "relay keys",
    index: keys.relayKeyIndex,
    key: keys.relayKey,
    schema: relayKeyRecordSchema,
  },
  accounts: {
    label: "accounts",
    index: keys.accountIndex,
    key: keys.account,
    schema: accountRecordSchema,
  },
} as const satisfies Record<string, RecordFamily>;
export type FamilyName = keyof typeof FAMILIES;

export type StoredObject = Record<string, unknown>;

export interface Migration {
  /** Sortable and unique, e.g. "0001-relay-key-defaults". */
  id: string;
  description: string;
  family: FamilyName;
  /**
   * The record as it should be stored, or null if it needs no change. Throws for a record it
   * cannot read (reported, left as it is). Must return null for its own output.
   */
  up(record: StoredObject): StoredObject | null;
}

export interface MigrationOutcome {
  id: string;
  description: string;
  family: FamilyName;
  examined: number;
  /** Ids of records that need (dry run) or got (apply) a change. */
  changed: string[];
  /** Records left as they are: unreadable, or the migration's result fails the schema. */
  invalid: { id: string; reason: string }[];
  /** Changes written; fewer than `changed` when a record changed under us (compare-and-set lost). */
  written: number;
}

export interface MigrationRun {
  mode: "dry-run" | "apply";
  migrations: MigrationOutcome[];
}

const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

function isObject(value: unknown): value is StoredObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Adds to `target` every key of `defaults` it lacks (recursively in nested objects); true if any was added. */
export function fillMissing(target: StoredObject, defaults: StoredObject): boolean {
  let added = false;
  for (const [key, value] of Object.entries(defaults)) {
    if (value === undefined) continue;
    if (!(key in target)) {
      target[key] = structuredClone(value);
      added = true;
    } else if (isObject(target[key]) && isObject(value)) {
      added = fillMissing(target[key] as StoredObject, value) || added;
    }
  }
  return added;
}

/** MGET in slices, so a large keyspace never makes one oversized REST request. */
export async function mgetChunked(
  redis: Redis,
  names: readonly string[],
  size = 500,
): Promise<(string | null)[]> {
  const out: (string | null)[] = [];
  for (let i = 0; i < names.length; i += size) {
    const slice = names.slice(i, i + size);
    const values = await redis.mget<(string | null)[]>(...slice);
    out.push(...values.map((v) => (typeof v === "string" ? v : null)));
  }
  return out;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function runMigrations(
  redis: Redis,
  migrations: readonly Migration[],
  options: { apply: boolean },
): Promise<MigrationRun> {
  const ordered = [...migrations].sort((a, b) => a.id.localeCompare(b.id));
  const outcomes: MigrationOutcome[] = [];
  for (const migration of ordered) {
    const family: RecordFamily = FAMILIES[migration.family];
    const ids = (await redis.smembers(family.index())).sort();
    const raws = await mgetChunked(redis, ids.map(family.key));
    const outcome: MigrationOutcome = {
      id: migration.id,
      description: migration.description,
      family: migration.family,
      examined: 0,
      changed: [],
      invalid: [],
      written: 0,
    };
    for (const [i, id] of ids.entries()) {
      const raw = raws[i];
      if (typeof raw !== "string") continue; // in the index, record gone: nothing to migrate
      outcome.examined++;
      let next: StoredObject | null;
      try {
        const stored: unknown = JSON.parse(raw);
        if (!isObject(stored)) throw new Error("not a JSON object");
        next = migration.up(stored);
      } catch (error) {
        outcome.invalid.push({ id, reason: describe(error) });
        continue;
      }
      if (next === null) continue;
      const checked = family.schema.safeParse(next);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        outcome.invalid.push({
          id,
          reason: `result fails the schema: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"}`,
        });
        continue;
      }
      outcome.changed.push(id);
      if (options.apply) {
        const done = await redis.eval(COMPARE_AND_SET, [family.key(id)], [raw, JSON.stringify(next)]);
        if (Number(done) === 1) outcome.written++;
      }
    }
    if (options.apply) await redis.hset(keys.migrations(), { [migration.id]: new Date().toISOString() });
    outcomes.push(outcome);
  }
  return { mode: options.apply ? "apply" : "dry-run", migrations: outcomes };
}

export function formatRun(run: MigrationRun): string {
  const lines = [
    run.mode === "apply"
      ? "Keyspace migrations (applied)"
      : "Keyspace migrations (dry run: nothing written; add --apply to write)",
  ];
  if (run.migrations.length === 0) lines.push("  no migrations registered");
  for (const m of run.migrations) {
    const verb = run.mode === "apply" ? `changed ${m.written}` : `would change ${m.changed.length}`;
    lines.push(`  ${m.id}  ${FAMILIES[m.family].label}: examined ${m.examined}, ${verb}  — ${m.description}`);
    for (const id of m.changed.slice(0, 20)) lines.push(`      ${id}`);
    if (m.changed.length > 20) lines.push(`      … and ${m.changed.length - 20} more`);
    for (const bad of m.invalid) lines.push(`      left as it is: ${bad.id}: ${bad.reason}`);
  }
  return lines.join("\n");
}
