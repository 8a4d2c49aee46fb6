// Small pieces every family's planning shares: reading JSON values, comparing records, and
// counting what a write would change.
import { countNotMapped, type FamilyReport, type FieldChange } from "./report.ts";

export type Change = "created" | "updated" | "unchanged";

export function count(report: FamilyReport, change: Change): void {
  report.writes[change]++;
}

/** A JSON object, or null when the text is absent, unreadable or not an object. */
export function parseJson(text: string | null | undefined): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** JSON with sorted object keys: two records are equal when their canonical forms are. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** Created when nothing is there, unchanged when the stored record is equal and `indexed`. */
export function changeOf(existing: unknown, record: unknown, indexed: boolean): Change {
  if (existing === null || existing === undefined) return "created";
  return canonical(existing) === canonical(record) && indexed ? "unchanged" : "updated";
}

/** Counts one imported record: its write, the values it could not carry, its notes, what it changes. */
export function tally(
  report: FamilyReport,
  id: string,
  change: Change,
  mapped: { notMapped: readonly string[]; notes: readonly string[] },
  changes: readonly FieldChange[] = [],
): void {
  report.imported++;
  count(report, change);
  countNotMapped(report, mapped.notMapped);
  for (const note of mapped.notes) report.notes.push(`${id}: ${note}`);
  if (change === "updated") report.changes.push(...changes);
}

/** Fields whose values are secrets (or sealed ones): a change is shown, the values are not. */
const HIDDEN = new Set([
  "credentials",
  "hash",
  "passwordHash",
  "secret",
  "botToken",
  "deviceKey",
  "url",
  // An account proxy's sealed URL.
  "sealed",
]);
const ABSENT = "(none)";

const isRecord = (v: unknown): v is Record<string, unknown> =>
  Boolean(v) && typeof v === "object" && !Array.isArray(v);

/** Every leaf of a record by its dotted path; lists of records with ids are keyed by id. */
function leaves(value: unknown, path: string, out: Map<string, string>): void {
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((e) => isRecord(e) && typeof e.id === "string")
  ) {
    for (const e of value as Record<string, unknown>[]) leaves(e, `${path}[${String(e.id)}]`, out);
    return;
  }
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
    return;
  }
  if (value !== undefined) out.set(path, canonical(value));
}

/** What writing `after` over `before` changes, field by field (sorted by field). */
export function fieldChanges(id: string, before: unknown, after: unknown): FieldChange[] {
  const was = new Map<string, string>();
  const will = new Map<string, string>();
  leaves(before, "", was);
  leaves(after, "", will);
  const changes: FieldChange[] = [];
  for (const field of [...new Set([...was.keys(), ...will.keys()])].sort()) {
    const from = was.get(field);
    const to = will.get(field);
    if (from === to) continue;
    const hidden = HIDDEN.has(field.slice(field.lastIndexOf(".") + 1));
    changes.push({
      id,
      field,
      before: from === undefined ? ABSENT : hidden ? "(hidden)" : from,
      after: to === undefined ? ABSENT : hidden ? "(hidden, another value)" : to,
    });
  }
  return changes;
}

/** A stored record's changes; one that is equal but missing from its index says so. */
export function recordChanges(
  id: string,
  existing: unknown,
  record: unknown,
  indexed: boolean,
): FieldChange[] {
  if (existing === null || existing === undefined) return [];
  const changes = fieldChanges(id, existing, record);
  if (!indexed) changes.push({ id, field: "(index)", before: "not listed", after: "listed" });
  return changes;
}

/** A hash as the Upstash client returns it (object, or a flat field/value list). */
export function hashFields(raw: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) fields.set(String(raw[i]), String(raw[i + 1]));
  } else if (raw && typeof raw === "object") {
    for (const [field, value] of Object.entries(raw)) fields.set(field, String(value));
  }
  return fields;
}

/** A string field of a JSON record; "" when absent or not a string. */
export const text = (record: Record<string, unknown>, field: string): string => {
  const value = record[field];
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
};
