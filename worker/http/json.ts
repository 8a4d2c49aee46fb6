// Reading untyped JSON (a client's body, an upstream's event) field by field without throwing:
// the one home of the object guard every protocol module uses.

export type Json = Record<string, unknown>;

/** `value` when it is a JSON object (not an array, not null); undefined otherwise. */
export function asObject(value: unknown): Json | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

/** The JSON object `text` holds; undefined for anything else, unreadable JSON included. */
export function parseObject(text: string): Json | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}
