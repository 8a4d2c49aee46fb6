// Optional secrets and vars for the local stack (CRS_ENCRYPTION_KEY, METRICS_TOKEN, OAuth client
// ids, …) come from `.dev.vars` in the project root, wrangler's own file for local secrets.
// `npm run dev` hands wrangler a generated env file instead (it is rewritten on every start),
// so wrangler would never read `.dev.vars` itself: the stack reads it and merges it in.
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";

const VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** The variables in a dotenv-format file, or {} when there is none. Throws naming a bad line. */
export function readDevVars(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, "utf8");
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (!VAR_NAME.test(name)) throw new Error(`${path}: "${name}" is not a variable name (A-Z, 0-9, _)`);
    if (value !== undefined) vars[name] = value;
  }
  return vars;
}
