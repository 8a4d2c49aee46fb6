// Every failure the CLI reports carries the exit code scripts can branch on (documented in --help).
export const EXIT = {
  ok: 0,
  /** The relay answered with a 4xx/5xx (or with something that is not the admin API contract). */
  api: 1,
  /** Unknown command or flag, missing or malformed argument: nothing was sent. */
  usage: 2,
  /** The relay could not be reached, or login failed. */
  connection: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

export const usageError = (message: string): CliError => new CliError(EXIT.usage, message);
