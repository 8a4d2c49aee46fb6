// How records and hashes come out of the keyspace: JSON records checked by their zod schema (a
// corrupt one is skipped with a warning, never thrown at a reader), hashes as field maps.
import type { z } from "zod";
import { log } from "../http/log.ts";

export function parseRecord<T>(schema: z.ZodType<T>, raw: unknown, what: string): T | null {
  if (raw === null || raw === undefined) return null;
  try {
    const parsed = schema.safeParse(typeof raw === "string" ? JSON.parse(raw) : raw);
    if (parsed.success) return parsed.data;
    log("warn", "corrupt record skipped", { what });
  } catch {
    log("warn", "unreadable record skipped", { what });
  }
  return null;
}

/** Like parseRecord but silent, for readers that only glance at a record (a name, a kind). */
export function parseQuietly<T>(schema: z.ZodType<T>, raw: unknown): T | null {
  if (typeof raw !== "string") return null;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** HGETALL without automatic deserialisation answers a flat [field, value, …] list. */
export function hashFields(raw: unknown): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) fields.set(String(raw[i]), raw[i + 1]);
  } else if (raw && typeof raw === "object") {
    for (const [field, value] of Object.entries(raw)) fields.set(field, value);
  }
  return fields;
}

/** Every field of a hash that reads as a number (metrics hashes). */
export function numericFields(raw: unknown): Map<string, number> {
  const fields = new Map<string, number>();
  for (const [field, value] of hashFields(raw)) {
    const n = Number(value);
    if (Number.isFinite(n)) fields.set(field, n);
  }
  return fields;
}
