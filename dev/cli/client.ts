// Connection settings, login and typed admin API requests. Login is lazy (on the first request), so
// usage errors and --help never touch the network and never need credentials.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { CliError, EXIT, usageError } from "./errors.ts";
import { errorResponseSchema, loginResponseSchema } from "./schemas.ts";

export const DEFAULT_URL = "http://127.0.0.1:8787";
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const DEFAULT_INIT_FILE = join(REPO_ROOT, "data", "init.json");
const TIMEOUT_MS = 20_000;

export interface ConnectionFlags {
  url?: string;
  username?: string;
  password?: string;
}

export interface Settings {
  url: URL;
  username: string;
  password: string;
  /** Where the credentials came from, for the login-failed message (never the values). */
  credentialSource: string;
}

type Env = Record<string, string | undefined>;

// `npm run setup` in the original writes more fields (initializedAt, version); only these two matter here.
const initFileSchema = z.object({ adminUsername: z.string().min(1), adminPassword: z.string().min(1) });

/** An empty variable counts as unset, so `EDGE_RELAY_URL= npm run cli …` falls through to the default. */
const firstSet = (...values: (string | undefined)[]): string | undefined =>
  values.find((value) => value !== undefined && value !== "");

function parseRelayUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`invalid relay URL "${raw}" (expected e.g. ${DEFAULT_URL})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw usageError(`invalid relay URL "${raw}": only http and https are supported`);
  }
  // fetch refuses URLs with credentials in them, and they would end up in error messages.
  if (url.username || url.password) throw usageError("the relay URL must not contain a username or password");
  return new URL(`${url.origin}${url.pathname.replace(/\/+$/, "")}`);
}

function readInitFile(path: string): z.infer<typeof initFileSchema> | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new CliError(EXIT.connection, `cannot read the init file ${path}: ${(error as Error).message}`);
  }
  const result = initFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new CliError(EXIT.connection, `the init file ${path} has no adminUsername/adminPassword`);
  }
  return result.data;
}

/** Flags, then environment, then the init file: first found wins, field by field. */
export function resolveSettings(flags: ConnectionFlags, env: Env): Settings {
  const url = parseRelayUrl(firstSet(flags.url, env.EDGE_RELAY_URL) ?? DEFAULT_URL);
  const sources: string[] = [];
  let username = firstSet(flags.username, env.EDGE_RELAY_ADMIN_USER);
  let password = firstSet(flags.password, env.EDGE_RELAY_ADMIN_PASSWORD);
  if (username !== undefined) sources.push(flags.username ? "--username" : "EDGE_RELAY_ADMIN_USER");
  if (password !== undefined) sources.push(flags.password ? "--password" : "EDGE_RELAY_ADMIN_PASSWORD");
  if (username === undefined || password === undefined) {
    const initPath = firstSet(env.EDGE_RELAY_INIT_FILE) ?? DEFAULT_INIT_FILE;
    const init = readInitFile(initPath);
    if (init) {
      username ??= init.adminUsername;
      password ??= init.adminPassword;
      sources.push(`init file ${initPath}`);
    }
    if (username === undefined || password === undefined) {
      throw new CliError(
        EXIT.connection,
        "no admin credentials: pass --username and --password, set EDGE_RELAY_ADMIN_USER and " +
          `EDGE_RELAY_ADMIN_PASSWORD, or create ${initPath}`,
      );
    }
  }
  return { url, username, password, credentialSource: sources.join(", ") };
}

interface RawResponse {
  status: number;
  statusText: string;
  json: unknown;
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "TimeoutError") return `no answer within ${TIMEOUT_MS / 1000} s`;
  // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, ENOTFOUND …) in `cause`.
  if (error.cause instanceof Error) return error.cause.message || error.message;
  return error.message;
}

function apiErrorMessage(response: RawResponse): string {
  const parsed = errorResponseSchema.safeParse(response.json);
  if (parsed.success)
    return `${parsed.data.error.message} (HTTP ${response.status} ${parsed.data.error.type})`;
  return `HTTP ${response.status} ${response.statusText}`.trim();
}

export class Client {
  readonly #flags: ConnectionFlags;
  readonly #env: Env;
  #settings: Settings | undefined;
  #token: string | undefined;
  /** Values that must never reach the terminal, even inside an error message the relay echoed. */
  readonly #secrets: string[] = [];

  constructor(flags: ConnectionFlags, env: Env) {
    this.#flags = flags;
    this.#env = env;
  }

  get settings(): Settings {
    if (!this.#settings) {
      this.#settings = resolveSettings(this.#flags, this.#env);
      this.addSecret(this.#settings.password);
    }
    return this.#settings;
  }

  /** The relay URL as printed in messages (it never holds credentials, see parseRelayUrl). */
  get displayUrl(): string {
    return this.settings.url.href.replace(/\/+$/, "");
  }

  addSecret(secret: string): void {
    // Very short values would blank out ordinary words; no real password or API key is that short.
    if (secret.length >= 4) this.#secrets.push(secret);
  }

  redact(text: string): string {
    return this.#secrets.reduce((result, secret) => result.split(secret).join("***"), text);
  }

  async login(): Promise<void> {
    const { username, password, credentialSource } = this.settings;
    const response = await this.#send("POST", "/admin/auth/login", { username, password });
    if (response.status >= 300) {
      throw new CliError(
        EXIT.connection,
        `login as "${username}" at ${this.displayUrl} failed: ${apiErrorMessage(response)}; ` +
          `credentials from ${credentialSource}`,
      );
    }
    const parsed = loginResponseSchema.safeParse(response.json);
    if (!parsed.success) {
      throw new CliError(
        EXIT.connection,
        `login failed: ${this.displayUrl} did not answer like an edge-relay admin API`,
      );
    }
    this.#token = parsed.data.token;
  }

  async request<T>(
    method: string,
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
  ): Promise<{ data: T; raw: unknown }> {
    if (this.#token === undefined) await this.login();
    const response = await this.#send(method, path, body, this.#token);
    if (response.status >= 300) throw new CliError(EXIT.api, apiErrorMessage(response));
    const parsed = schema.safeParse(response.json);
    if (!parsed.success) {
      throw new CliError(
        EXIT.api,
        `unexpected response to ${method} ${path}:\n${z.prettifyError(parsed.error)}`,
      );
    }
    return { data: parsed.data, raw: response.json };
  }

  async #send(method: string, path: string, body: unknown, token?: string): Promise<RawResponse> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const url = `${this.displayUrl}${path}`;
    try {
      const response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = text === "" ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, statusText: response.statusText, json };
    } catch (error) {
      throw new CliError(
        EXIT.connection,
        `cannot reach the relay at ${this.displayUrl}: ${describeNetworkError(error)}`,
      );
    }
  }
}
