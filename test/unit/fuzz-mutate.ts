// Mutation fuzzing from valid fixtures (fast-check): a random valid input is rarely interesting,
// a valid one with one field dropped, duplicated, retyped or moved is. Shared by the fuzz-*.test.ts
// files; pure functions, no I/O.
import fc from "fast-check";

type Step = string | number;
type Node = Record<string, unknown> | unknown[];

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null;

/** Every path inside a JSON value (the root, [], first). */
export function pathsOf(value: unknown, prefix: Step[] = []): Step[][] {
  const out: Step[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) out.push(...pathsOf(item, [...prefix, i]));
  } else if (isNode(value))
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

const OPS = ["drop", "duplicate", "retype", "null", "stringify", "wrap", "swap", "empty", "extra"] as const;
export type Op = (typeof OPS)[number];

export interface Edit {
  /** Which path, modulo the number of paths at the time the edit is applied. */
  at: number;
  op: Op;
  value: unknown;
}

export const edit: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom(...OPS),
  value: fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(-1, 0, 1.5, 1e308, -1e308, "", "auto", "function", "text", "user", "tool"),
  ),
});

/** The value with one edit applied (a fresh copy; the input is left alone). */
export function applyEdit(root: unknown, { at, op, value }: Edit): unknown {
  const copy: unknown = structuredClone(root);
  const paths = pathsOf(copy);
  const path = paths[at % paths.length] ?? [];
  const replace = (old: unknown): unknown => {
    switch (op) {
      case "null":
        return null;
      case "stringify":
        return JSON.stringify(old) ?? "";
      case "wrap":
        return [old];
      case "empty":
        return Array.isArray(old) ? [] : isNode(old) ? {} : typeof old === "string" ? "" : 0;
      case "extra":
        return isNode(old) && !Array.isArray(old) ? { ...old, [String(value)]: value } : value;
      default:
        return value;
    }
  };
  if (path.length === 0) return op === "drop" || op === "swap" || op === "duplicate" ? copy : replace(copy);
  let parent: unknown = copy;
  for (const step of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[step];
  const last = path[path.length - 1] as Step;
  if (Array.isArray(parent) && typeof last === "number") {
    if (op === "drop") parent.splice(last, 1);
    else if (op === "duplicate") parent.splice(last, 0, structuredClone(parent[last]));
    else if (op === "swap") {
      const next = (last + 1) % parent.length;
      [parent[last], parent[next]] = [parent[next], parent[last]];
    } else parent[last] = replace(parent[last]);
  } else if (isNode(parent)) {
    const object = parent as Record<string, unknown>;
    if (op === "drop") delete object[last];
    else if (op === "duplicate" || op === "swap") object[`${last}_`] = structuredClone(object[last]);
    else object[last] = replace(object[last]);
  }
  return copy;
}

/** A fixture with 1–4 random edits. */
export const mutated = (seed: unknown, maxEdits = 4): fc.Arbitrary<unknown> =>
  fc.array(edit, { minLength: 1, maxLength: maxEdits }).map((edits) => edits.reduce(applyEdit, seed));

/** A fixture, mutated or not, or any JSON at all. */
export const aroundFixture = (seed: unknown): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: mutated(seed) },
    { weight: 1, arbitrary: fc.constant(seed) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  );

export const asBody = (value: unknown): Record<string, unknown> =>
  isNode(value) && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };

// ---- SSE streams ----

const STREAM_OPS = ["drop", "duplicate", "swap", "mutate", "garbage", "truncate"] as const;

const streamEdit = fc.record({
  at: fc.nat(),
  op: fc.constantFrom(...STREAM_OPS),
  edit,
  garbage: fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom("data: [DONE]\n\n", ": ping\n\n", "data: {\n\n"),
  ),
});

/** One event's data line JSON edited (events whose data is not JSON get the edit as raw text). */
function mutateEvent(event: string, one: Edit): string {
  const match = /^data: ?(.*)$/m.exec(event);
  if (!match?.[1]) return event;
  let data: unknown;
  try {
    data = JSON.parse(match[1]);
  } catch {
    return event.replace(match[1], String(one.value));
  }
  return event.replace(match[1], () => JSON.stringify(applyEdit(data, one)) ?? "null");
}

/**
 * A recorded SSE stream (one string per event) with events dropped, repeated, moved out of order,
 * their JSON edited, garbage inserted, or the whole text cut short.
 */
export const mutatedStream = (events: string[]): fc.Arbitrary<string> =>
  fc.array(streamEdit, { minLength: 1, maxLength: 5 }).map((edits) => {
    let list = [...events];
    let cut: number | undefined;
    for (const e of edits) {
      const i = list.length === 0 ? 0 : e.at % list.length;
      const item = list[i] ?? "";
      if (e.op === "drop") list.splice(i, 1);
      else if (e.op === "duplicate") list.splice(i, 0, item);
      else if (e.op === "swap") {
        const j = (i + 1) % Math.max(list.length, 1);
        list = list.map((v, k) => (k === i ? (list[j] ?? v) : k === j ? item : v));
      } else if (e.op === "mutate") list[i] = mutateEvent(item, e.edit);
      else if (e.op === "garbage") list.splice(i, 0, e.garbage);
      else cut = e.at;
    }
    const text = list.join("");
    return cut === undefined ? text : text.slice(0, cut % (text.length + 1));
  });

/** Cut points (sorted, unique, inside the length) for delivering bytes in random pieces. */
export const cutsFor = (length: number) =>
  fc
    .array(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 30 })
    .map((cuts) => [...new Set(cuts)].filter((c) => c < length).sort((a, b) => a - b));

/** The bytes as a stream delivered in pieces cut at the given offsets (UTF-8 sequences may be split). */
export function streamOf(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const points = [0, ...cuts, bytes.length];
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 1; i < points.length; i++) {
        const piece = bytes.slice(points[i - 1], points[i]);
        if (piece.length > 0) controller.enqueue(piece);
      }
      controller.close();
    },
  });
}
