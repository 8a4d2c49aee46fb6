// Small pieces every family's planning shares: reading JSON values, comparing records, and
// counting what a write would change.
import { countNotMapped, type FamilyReport } from "./report.ts";

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

/** Counts one imported record: its write, the values it could not carry, its notes. */
export function tally(
  report: FamilyReport,
  id: string,
  change: Change,
  mapped: { notMapped: readonly string[]; notes: readonly string[] },
): void {
  report.imported++;
  count(report, change);
  countNotMapped(report, mapped.notMapped);
  for (const note of mapped.notes) report.notes.push(`${id}: ${note}`);
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
