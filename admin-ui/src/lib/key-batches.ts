// Pure helpers of the Keys page's batches: the created keys as a downloadable list, tag lists,
// and the batch edit form turned into a body naming only what it changes.
import type { CreatedKey, KeyBatchEdit } from "../api/key-pages.ts";

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function createdKeysCsv(created: readonly CreatedKey[]): string {
  const rows = [["name", "id", "key"], ...created.map((c) => [c.key.name, c.key.id, c.secret])];
  return `${rows.map((row) => row.map(csvField).join(",")).join("\r\n")}\r\n`;
}

export function createdKeysText(created: readonly CreatedKey[]): string {
  return `${created.map((c) => `${c.key.name}\t${c.secret}`).join("\n")}\n`;
}

export function parseTagList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

export interface BatchEditForm {
  dailyCostLimit: string;
  totalCostLimit: string;
  concurrencyLimit: string;
  addTags: string;
  removeTags: string;
}

export type BatchNumberField = "dailyCostLimit" | "totalCostLimit" | "concurrencyLimit";
export const BATCH_NUMBER_FIELDS: readonly BatchNumberField[] = [
  "dailyCostLimit",
  "totalCostLimit",
  "concurrencyLimit",
];

/** Empty fields are left as each key has them; a field that is not a number ≥ 0 is named. */
export function batchEditBody(
  ids: string[],
  form: BatchEditForm,
): { body: KeyBatchEdit } | { invalid: BatchNumberField } {
  const limits: Partial<Record<BatchNumberField, number>> = {};
  for (const field of BATCH_NUMBER_FIELDS) {
    const text = form[field].trim();
    if (text === "") continue;
    const value = Number(text);
    const whole = field === "concurrencyLimit";
    if (!Number.isFinite(value) || value < 0 || (whole && !Number.isInteger(value)))
      return { invalid: field };
    limits[field] = value;
  }
  const body: KeyBatchEdit = { ids };
  if (Object.keys(limits).length > 0) body.limits = limits;
  const addTags = parseTagList(form.addTags);
  const removeTags = parseTagList(form.removeTags);
  if (addTags.length > 0) body.addTags = addTags;
  if (removeTags.length > 0) body.removeTags = removeTags;
  return { body };
}

/** Saves text as a file through a temporary link (the browser's download). */
export function downloadText(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
