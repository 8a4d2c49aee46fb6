// Form checks that run before anything is sent. Each returns an error message key or null.
import type { MessageKey } from "../i18n/index.ts";

export type Check = (value: string) => MessageKey | null;

export const required: Check = (v) => (v.trim() === "" ? "validate.required" : null);

/** Empty (= 0 / no limit) or a number ≥ 0. */
export const nonNegative: Check = (v) =>
  v.trim() === "" || (Number.isFinite(Number(v)) && Number(v) >= 0) ? null : "validate.nonNegative";

export const nonNegativeInt: Check = (v) =>
  v.trim() === "" || (Number.isInteger(Number(v)) && Number(v) >= 0) ? null : "validate.nonNegativeInt";

export const between =
  (min: number, max: number): Check =>
  (v) =>
    v.trim() === "" || (Number.isInteger(Number(v)) && Number(v) >= min && Number(v) <= max)
      ? null
      : "validate.range";

export const httpUrl: Check = (v) => {
  if (v.trim() === "") return null;
  try {
    const url = new URL(v.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? null : "validate.url";
  } catch {
    return "validate.url";
  }
};

export const maxLength =
  (n: number): Check =>
  (v) =>
    v.length > n ? "validate.tooLong" : null;

/** Runs each field's checks; returns field → first failing message key (empty when all pass). */
export function validate<F extends string>(
  values: Record<F, string>,
  rules: Partial<Record<F, Check[]>>,
): Partial<Record<F, MessageKey>> {
  const errors: Partial<Record<F, MessageKey>> = {};
  for (const field of Object.keys(rules) as F[]) {
    for (const check of rules[field] ?? []) {
      const error = check(values[field] ?? "");
      if (error) {
        errors[field] = error;
        break;
      }
    }
  }
  return errors;
}

/** "a, b\nc" → ["a", "b", "c"] */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A number from a form field: empty = 0. */
export function num(value: string): number {
  return value.trim() === "" ? 0 : Number(value);
}
