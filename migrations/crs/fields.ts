// Reading the original's hash fields (all strings) into typed values, and telling which of them
// carried a setting we did not map.
import type { Fields } from "./source.ts";

/** A value that makes the whole record unusable; the record is skipped with this reason. */
export class Corrupt extends Error {}

export type Mapped<T> =
  | { ok: true; value: T; notMapped: string[]; notes: string[] }
  | { ok: false; reason: string };

/** Values that mean "not set" in the original's hashes. */
const EMPTY = new Set(["", "null", "undefined", "[]", "{}", "0", "false"]);

/** Number of a field; "" or absent gives `fallback`. Not a number, or out of range → Corrupt. */
export function num(
  f: Fields,
  name: string,
  options: { fallback?: number; int?: boolean; min?: number; max?: number } = {},
): number {
  const raw = f[name]?.trim();
  if (raw === undefined || raw === "" || raw === "null") return options.fallback ?? 0;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Corrupt(`${name}: ${JSON.stringify(raw)} is not a number`);
  const result = options.int ? Math.trunc(value) : value;
  if (result < (options.min ?? 0) || (options.max !== undefined && result > options.max))
    throw new Corrupt(`${name}: ${raw} is out of range`);
  return result;
}

/** A JSON list of strings; null when the field is absent or empty. Unreadable → Corrupt. */
export function stringList(f: Fields, name: string): string[] | null {
  const raw = f[name]?.trim();
  if (raw === undefined || raw === "") return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string"))
      return parsed.map((s) => s.trim()).filter(Boolean);
  } catch {
    // below
  }
  throw new Corrupt(`${name}: ${JSON.stringify(raw.slice(0, 60))} is not a JSON list of strings`);
}

/** ISO time of a field, or null if absent/unreadable. Accepts ISO strings and epoch milliseconds. */
export function isoTime(raw: string | undefined): string | null {
  const text = raw?.trim();
  if (!text || text === "null") return null;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** Epoch ms of a token expiry (the original stores ms strings or ISO times); 0 if unknown. */
export function epochMs(raw: string | undefined): number {
  const text = raw?.trim();
  if (!text) return 0;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? ms : 0;
}

/**
 * Fields that held a setting we did not map: every field not in `handled` whose value is not
 * "unset" (EMPTY or the field's own default). `labels` adds why, for fields we know.
 */
export function unmappedFields(
  f: Fields,
  handled: ReadonlySet<string>,
  options: {
    defaults?: Readonly<Record<string, string>>;
    labels?: Readonly<Record<string, string>>;
    ignorePrefixes?: readonly string[];
  } = {},
): string[] {
  const out: string[] = [];
  for (const [field, value] of Object.entries(f)) {
    if (handled.has(field)) continue;
    if (options.ignorePrefixes?.some((prefix) => field.startsWith(prefix))) continue;
    const trimmed = value.trim();
    if (EMPTY.has(trimmed) || options.defaults?.[field] === trimmed) continue;
    const why = options.labels?.[field];
    out.push(why ? `${field} (${why})` : field);
  }
  return out;
}

export function describeIssue(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  return issue ? `${issue.path.map(String).join(".") || "(record)"}: ${issue.message}` : "invalid";
}
