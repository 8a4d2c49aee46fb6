// Entry point: find the command, parse its flags strictly, run it, and turn failures into exit codes.
import type { ParseArgsOptionsConfig } from "node:util";
import { parseArgs } from "node:util";
import { Client } from "./client.ts";
import type { Command, Options, Values } from "./command.ts";
import { optFlag, optString } from "./command.ts";
import { accountCommands } from "./commands/accounts.ts";
import { keyCommands } from "./commands/keys.ts";
import { statusCommands } from "./commands/status.ts";
import { CliError, EXIT, type ExitCode, usageError } from "./errors.ts";
import { commandHelp, GLOBAL_OPTIONS, groupHelp, mainHelp } from "./help.ts";

const COMMANDS: Command[] = [...statusCommands, ...keyCommands, ...accountCommands];

// parseArgs rejects keys that are present but undefined, so only the ones set are copied.
const toParseArgs = (options: Options): ParseArgsOptionsConfig =>
  Object.fromEntries(
    Object.entries(options).map(([name, { type, multiple, short }]) => [
      name,
      { type, ...(multiple ? { multiple } : {}), ...(short ? { short } : {}) },
    ]),
  );

// Every flag any command knows, so the first, lenient pass knows which flags take a value and can
// tell the command words apart from flag values wherever the user put the flags.
const ALL_OPTIONS: Options = Object.assign({}, GLOBAL_OPTIONS, ...COMMANDS.map((command) => command.options));

const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** The command whose words start `words` (longest match), or the group name if only that matched. */
function findCommand(words: string[]): Command | undefined {
  return COMMANDS.filter((command) => command.path.every((word, index) => words[index] === word)).sort(
    (a, b) => b.path.length - a.path.length,
  )[0];
}

const groupCommands = (group: string | undefined): Command[] =>
  COMMANDS.filter((command) => command.path.length > 1 && command.path[0] === group);

/** `help`, `help keys`, `keys create --help` …: the most specific help for the words given. */
function helpFor(words: string[]): string {
  const command = findCommand(words);
  if (command) return commandHelp(command);
  if (words.length === 0) return mainHelp(COMMANDS);
  const group = groupCommands(words[0]);
  if (group.length > 0 && words.length === 1) return groupHelp(words[0] ?? "", group);
  throw usageError(`unknown command "${words.join(" ")}"`);
}

function parseStrict(command: Command, argv: string[]): { args: string[]; values: Values } {
  let parsed: { positionals: string[]; values: Values };
  try {
    parsed = parseArgs({
      args: argv,
      options: toParseArgs({ ...GLOBAL_OPTIONS, ...command.options }),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    // Node adds a long hint about "--" to unknown-option errors; the --help pointer is more useful here.
    throw usageError((error as Error).message.split(". To specify")[0] ?? "");
  }
  const args = parsed.positionals.slice(command.path.length);
  const missing = command.args[args.length];
  if (missing !== undefined) throw usageError(`missing argument ${missing}`);
  if (args.length > command.args.length)
    throw usageError(`unexpected argument "${args[command.args.length]}"`);
  for (const [name, spec] of Object.entries(command.options)) {
    if (spec.required && parsed.values[name] === undefined) {
      throw usageError(`missing --${name}${spec.value ? ` ${spec.value}` : ""}`);
    }
  }
  return { args, values: parsed.values };
}

async function main(argv: string[]): Promise<ExitCode> {
  const loose = parseArgs({
    args: argv,
    options: toParseArgs(ALL_OPTIONS),
    strict: false,
    allowPositionals: true,
  });
  const words = loose.positionals;
  let client: Client | undefined;
  let command: Command | undefined;
  try {
    if (words[0] === "help" || loose.values.help === true) {
      print(helpFor(words[0] === "help" ? words.slice(1) : words));
      return EXIT.ok;
    }
    if (words.length === 0) throw usageError("no command given");
    command = findCommand(words);
    if (!command) {
      const group = groupCommands(words[0]);
      if (group.length > 0 && words.length === 1) {
        process.stderr.write(`${groupHelp(words[0] ?? "", group)}\n\n`);
        throw usageError(`"${words[0]}" needs a subcommand`);
      }
      throw usageError(`unknown command "${words.join(" ")}"`);
    }
    const { args, values } = parseStrict(command, argv);
    client = new Client(
      {
        url: optString(values, "url"),
        username: optString(values, "username"),
        password: optString(values, "password"),
      },
      process.env,
    );
    await command.run({ client, args, values, json: optFlag(values, "json"), print });
    return EXIT.ok;
  } catch (error) {
    const safe = (text: string): string => client?.redact(text) ?? text;
    if (!(error instanceof CliError)) {
      process.stderr.write(
        `error: unexpected failure: ${safe(error instanceof Error ? (error.stack ?? "") : String(error))}\n`,
      );
      return EXIT.api;
    }
    process.stderr.write(`error: ${safe(error.message)}\n`);
    if (error.exitCode === EXIT.usage) {
      const topic = command
        ? ` ${command.path.join(" ")}`
        : words[0] && groupCommands(words[0]).length
          ? ` ${words[0]}`
          : "";
      process.stderr.write(`Run 'npm run cli --${topic} --help' for usage.\n`);
    }
    return error.exitCode;
  }
}

// exitCode (not process.exit) so that buffered stdout is written in full when piped.
process.exitCode = await main(process.argv.slice(2));
