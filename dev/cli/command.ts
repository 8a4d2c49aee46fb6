// What a command is (its words, arguments, flags and help), and typed readers for flag values.
// Flag specs double as the parseArgs config and as the --help text, so the two cannot drift apart.
import type { Client } from "./client.ts";
import { usageError } from "./errors.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
  /** Placeholder shown in help, e.g. "N" for `--concurrency N`. */
  value?: string;
  required?: boolean;
  help: string;
}

export type Options = Record<string, OptionSpec>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Context {
  client: Client;
  /** The command's positional arguments, in the order of Command.args. */
  args: string[];
  values: Values;
  json: boolean;
  print: (text: string) => void;
}

export interface Command {
  /** The command words, e.g. ["keys", "create"]. */
  path: string[];
  /** Names of required positional arguments, e.g. ["ID"]. */
  args: string[];
  summary: string;
  /** Extra help paragraphs shown by `<command> --help`. */
  details?: string;
  options: Options;
  run: (context: Context) => Promise<void>;
}

export function optString(values: Values, name: string): string | undefined {
  const value = values[name];
  // A repeated single-value flag: the last one wins, as in most CLIs.
  const last = Array.isArray(value) ? value.at(-1) : value;
  return typeof last === "string" ? last : undefined;
}

export const optFlag = (values: Values, name: string): boolean => values[name] === true;

/** Repeated flags and comma-separated values both add items; an empty value yields an empty list. */
export function optList(values: Values, name: string): string[] | undefined {
  const value = values[name];
  if (value === undefined || typeof value === "boolean") return undefined;
  const raw = Array.isArray(value) ? value.filter((item) => typeof item === "string") : [value];
  return raw
    .flatMap((item) => item.split(","))
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
}

export function optNumber(values: Values, name: string, rule: NumberRule = {}): number | undefined {
  const raw = optString(values, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const { integer = false, min = 0, max = Number.POSITIVE_INFINITY } = rule;
  const ok = raw.trim() !== "" && Number.isFinite(value) && (!integer || Number.isInteger(value));
  if (!ok || value < min || value > max) {
    const kind = integer ? "a whole number" : "a number";
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `from ${min} to ${max}`;
    throw usageError(`--${name} must be ${kind} ${range}, got "${raw}"`);
  }
  return value;
}

/** For flag pairs like --enable/--disable: undefined when neither is given, an error when both are. */
export function optSwitch(values: Values, on: string, off: string): boolean | undefined {
  const yes = optFlag(values, on);
  const no = optFlag(values, off);
  if (yes && no) throw usageError(`--${on} and --${off} cannot be used together`);
  return yes ? true : no ? false : undefined;
}
