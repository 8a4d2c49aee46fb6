// The original service's predefined clients, recognised by User-Agent and path.
import type { RelayKeyRecord } from "../keyspace/records/relay-keys.ts";

export type ClientId = RelayKeyRecord["limits"]["allowedClients"][number];

interface ClientRule {
  id: ClientId;
  paths: RegExp;
  userAgent: RegExp;
}

const RULES: ClientRule[] = [
  {
    id: "claude_code",
    paths: /^\/(api|claude|antigravity\/api|gemini-cli\/api)?\/?(v1\/|claude\/v1\/)/,
    userAgent: /^claude-cli\/\d+\.\d+\.\d+/i,
  },
  { id: "gemini_cli", paths: /^\/gemini\//, userAgent: /^GeminiCLI(-[a-z]+)?\/v?[\d.]+/i },
  {
    id: "codex_cli",
    paths: /^\/(openai\/(v1\/)?responses|azure\/)/,
    userAgent: /^(codex_vscode|codex_cli_rs|codex_exec)\/[\d.]+/i,
  },
  { id: "droid_cli", paths: /^\/droid\//, userAgent: /factory-cli\/\d+\.\d+\.\d+/i },
];

/** Which known clients this request looks like (usually none or one). */
export function identifyClients(path: string, userAgent: string, headers: Headers): ClientId[] {
  const found = RULES.filter((rule) => rule.paths.test(path) && rule.userAgent.test(userAgent)).map(
    (r) => r.id,
  );
  const factory = headers.get("x-factory-client") ?? "";
  if (/^\/droid\//.test(path) && /droid|factory-cli/i.test(factory) && !found.includes("droid_cli")) {
    found.push("droid_cli");
  }
  return found;
}
