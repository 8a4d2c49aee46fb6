// Flag parsing shared by the two migration commands (node:util parseArgs, strict).
import { parseArgs } from "node:util";

export class UsageError extends Error {}

export type FlagSpec = Record<string, { type: "string" | "boolean"; env?: string }>;

export interface ParsedFlags {
  strings: Map<string, string>;
  booleans: Set<string>;
}

/** Parses `argv`; a string flag missing on the command line is taken from its `env` variable. */
export function parseFlags(argv: string[], spec: FlagSpec, env: NodeJS.ProcessEnv): ParsedFlags {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.entries(spec).map(([name, { type }]) => [name, { type }]));
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const strings = new Map<string, string>();
  const booleans = new Set<string>();
  for (const [name, { type, env: envName }] of Object.entries(spec)) {
    const value = values[name];
    if (type === "boolean") {
      if (value === true) booleans.add(name);
      continue;
    }
    const text = typeof value === "string" ? value : envName ? env[envName] : undefined;
    if (text !== undefined && text !== "") strings.set(name, text);
  }
  return { strings, booleans };
}

export function required(flags: ParsedFlags, name: string, spec: FlagSpec): string {
  const value = flags.strings.get(name);
  if (value === undefined) {
    const envName = spec[name]?.env;
    throw new UsageError(`--${name} is required${envName ? ` (or set ${envName})` : ""}`);
  }
  return value;
}
