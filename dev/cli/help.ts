// Help text, generated from the same command and flag specs that main.ts parses with.
import { DEFAULT_URL } from "./client.ts";
import type { Command, Options } from "./command.ts";

const PROGRAM = "npm run cli --";

export const GLOBAL_OPTIONS: Options = {
  url: { type: "string", value: "URL", help: `Relay URL (else EDGE_RELAY_URL, else ${DEFAULT_URL})` },
  username: {
    type: "string",
    value: "NAME",
    help: "Admin user (else EDGE_RELAY_ADMIN_USER, else the init file)",
  },
  password: {
    type: "string",
    value: "PASSWORD",
    help: "Admin password (else EDGE_RELAY_ADMIN_PASSWORD, else the init file)",
  },
  json: { type: "boolean", help: "Print the API's JSON response instead of text (for scripts)" },
  help: { type: "boolean", short: "h", help: "Show help" },
};

const EXIT_CODES = `Exit codes:
  0  ok
  1  the relay refused (HTTP 4xx/5xx; its error message is printed) or answered outside the API contract
  2  usage error: unknown command or flag, missing or malformed argument (nothing was sent)
  3  cannot reach the relay, or login failed (also: no credentials found)`;

const CONNECTION = `Connection settings (first found wins):
  URL       --url, EDGE_RELAY_URL, ${DEFAULT_URL}
  username  --username, EDGE_RELAY_ADMIN_USER, adminUsername in the init file
  password  --password, EDGE_RELAY_ADMIN_PASSWORD, adminPassword in the init file
  The init file is data/init.json in the repository; EDGE_RELAY_INIT_FILE sets another path.`;

const columns = (rows: [string, string][]): string => {
  const size = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(size)}  ${right}`).join("\n");
};

const commandWords = (command: Command): string => [...command.path, ...command.args].join(" ");

function optionRows(options: Options): [string, string][] {
  return Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.value ? ` ${spec.value}` : ""}`;
    return [flag, spec.help + (spec.required ? " (required)" : "")];
  });
}

export function usageLine(command: Command): string {
  const required = Object.entries(command.options)
    .filter(([, spec]) => spec.required)
    .map(([name, spec]) => `--${name} ${spec.value ?? ""}`.trim());
  return `${PROGRAM} ${[commandWords(command), ...required, "[options]"].join(" ")}`;
}

export function mainHelp(commands: Command[]): string {
  return [
    "edge-relay operator CLI: manage a running relay through its admin API.",
    `Usage: ${PROGRAM} <command> [options]`,
    `Commands:\n${columns(commands.map((command) => [commandWords(command), command.summary]))}`,
    `Options for every command:\n${columns(optionRows(GLOBAL_OPTIONS))}`,
    CONNECTION,
    EXIT_CODES,
    `Run '${PROGRAM} <command> --help' for the flags of one command.`,
  ].join("\n\n");
}

export function groupHelp(group: string, commands: Command[]): string {
  const rows = commands.map((command): [string, string] => [commandWords(command), command.summary]);
  return [
    `Usage: ${PROGRAM} ${group} <subcommand> [options]`,
    `Subcommands:\n${columns(rows)}`,
    `Run '${PROGRAM} ${group} <subcommand> --help' for its flags.`,
  ].join("\n\n");
}

export function commandHelp(command: Command): string {
  const own = Object.keys(command.options).length > 0;
  return [
    `Usage: ${usageLine(command)}`,
    command.summary + (command.details ? `\n${command.details}` : ""),
    ...(own ? [`Options:\n${columns(optionRows(command.options))}`] : []),
    `Options for every command:\n${columns(optionRows(GLOBAL_OPTIONS))}`,
    EXIT_CODES,
  ].join("\n\n");
}
