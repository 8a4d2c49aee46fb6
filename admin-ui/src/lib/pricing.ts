// Price overrides as the editor shows them: USD per million tokens (the API stores USD per token,
// LiteLLM's fields). An override replaces the model's whole entry, so input and output are required.
import { type ModelPrice, PRICE_FIELDS, type PriceField } from "../api/types.ts";
import type { MessageKey } from "../i18n/index.ts";

export const MAIN_FIELDS = [
  "input_cost_per_token",
  "output_cost_per_token",
  "cache_creation_input_token_cost",
  "cache_read_input_token_cost",
] as const satisfies readonly PriceField[];
export type MainField = (typeof MAIN_FIELDS)[number];

export interface OverrideRow {
  model: string;
  /** $/MTok as typed */
  prices: Record<MainField, string>;
  /** The other fields of the entry (long context, 1 h cache), kept as they were. */
  extra: ModelPrice;
}

const PER_MILLION = 1_000_000;

/** 3e-6 → "3"; rounding noise removed. */
export function perMillion(perToken: number | undefined): string {
  if (perToken === undefined) return "";
  return String(Number((perToken * PER_MILLION).toPrecision(12)));
}

export function rowsFrom(overrides: Record<string, ModelPrice>): OverrideRow[] {
  return Object.entries(overrides)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([model, price]) => {
      const prices = Object.fromEntries(MAIN_FIELDS.map((f) => [f, perMillion(price[f])])) as Record<
        MainField,
        string
      >;
      const extra: ModelPrice = {};
      for (const field of PRICE_FIELDS) {
        if (!(MAIN_FIELDS as readonly string[]).includes(field) && price[field] !== undefined)
          extra[field] = price[field];
      }
      return { model, prices, extra };
    });
}

export function emptyRow(): OverrideRow {
  return {
    model: "",
    prices: {
      input_cost_per_token: "",
      output_cost_per_token: "",
      cache_creation_input_token_cost: "",
      cache_read_input_token_cost: "",
    },
    extra: {},
  };
}

/**
 * The rows with one for `model` (an unpriced model the operator wants to price), and the index of
 * that row: an existing row of the same name is reused, not doubled.
 */
export function withModelRow(rows: OverrideRow[], model: string): { rows: OverrideRow[]; index: number } {
  const name = model.trim();
  const existing = rows.findIndex((row) => row.model.trim() === name);
  if (existing >= 0) return { rows, index: existing };
  return { rows: [...rows, { ...emptyRow(), model: name }], index: rows.length };
}

export interface RowsResult {
  models: Record<string, ModelPrice>;
  /** row index → message key */
  errors: Record<number, MessageKey>;
}

export function overridesFrom(rows: readonly OverrideRow[]): RowsResult {
  const models: Record<string, ModelPrice> = {};
  const errors: Record<number, MessageKey> = {};
  rows.forEach((row, i) => {
    const model = row.model.trim();
    if (!model) {
      errors[i] = "pricing.modelRequired";
      return;
    }
    if (model in models) {
      errors[i] = "pricing.duplicate";
      return;
    }
    const price: ModelPrice = { ...row.extra };
    for (const field of MAIN_FIELDS) {
      const text = row.prices[field].trim();
      if (text === "") continue;
      const value = Number(text);
      if (!Number.isFinite(value) || value < 0) {
        errors[i] = "validate.nonNegative";
        return;
      }
      price[field] = value / PER_MILLION;
    }
    if (price.input_cost_per_token === undefined || price.output_cost_per_token === undefined) {
      errors[i] = "pricing.inputOutputRequired";
      return;
    }
    models[model] = price;
  });
  return { models, errors };
}

/** The JSON editor's text → overrides, or the reason it is not acceptable. */
export function parseOverridesJson(
  text: string,
): { models: Record<string, ModelPrice> } | { error: MessageKey } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: "pricing.badJson" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { error: "pricing.badJson" };
  const models: Record<string, ModelPrice> = {};
  for (const [model, entry] of Object.entries(value)) {
    if (!model.trim() || typeof entry !== "object" || entry === null || Array.isArray(entry))
      return { error: "pricing.badJson" };
    const price: ModelPrice = {};
    for (const [field, v] of Object.entries(entry)) {
      if (!(PRICE_FIELDS as readonly string[]).includes(field)) return { error: "pricing.unknownField" };
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) return { error: "validate.nonNegative" };
      price[field as PriceField] = v;
    }
    models[model] = price;
  }
  return { models };
}
