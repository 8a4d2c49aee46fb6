// `accounts …`: the upstream accounts the relay schedules requests onto. API keys go in, never out:
// the admin API does not return them and the CLI redacts them from any error text.
import type { Command, Context, OptionSpec, Options, Values } from "../command.ts";
import { optNumber, optString, optSwitch } from "../command.ts";
import { CliError, EXIT, usageError } from "../errors.ts";
import type { AccountChangesBody, AccountView } from "../schemas.ts";
import { accountListSchema, accountResponseSchema, accountTestSchema, deletedSchema } from "../schemas.ts";
import { details, orDash, table, when, yesNo } from "../table.ts";

const OFFICIAL = "(official API)";

const accountRow = (account: AccountView): string[] => [
  account.id,
  account.name,
  account.type,
  String(account.priority),
  yesNo(account.schedulable),
  account.isActive ? "active" : "disabled",
  account.health
    ? `${account.health.status}${account.health.until ? ` until ${when(account.health.until)}` : ""}`
    : "-",
  account.baseUrl || OFFICIAL,
];

const accountDetails = (account: AccountView): string =>
  details([
    ["ID", account.id],
    ["Name", account.name],
    ["Description", orDash(account.description)],
    ["Type", `${account.type} (${account.platform})`],
    ["Base URL", account.baseUrl || OFFICIAL],
    ["Priority", String(account.priority)],
    ["Schedulable", yesNo(account.schedulable)],
    ["Shared pool", account.shared === false ? "no (dedicated: bound keys and groups only)" : "yes"],
    ["Proxy", account.proxy ? proxyLabel(account.proxy) : "none (direct)"],
    ["Status", account.isActive ? "active" : "disabled"],
    ["Created", when(account.createdAt)],
    ["Updated", when(account.updatedAt)],
  ]);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8").trim();
}

/**
 * A secret flag's value; `-` reads it from stdin, which keeps it out of shell history and `ps`.
 * The client redacts it from any error text.
 */
async function readSecret(context: Context, option: string): Promise<string | undefined> {
  const given = optString(context.values, option);
  const secret = given === "-" ? await readStdin() : given;
  if (secret === "") throw usageError(`--${option} is empty`);
  if (secret !== undefined) context.client.addSecret(secret);
  return secret;
}

/** Where an egress proxy is (its credentials never come back from the admin API). */
const proxyLabel = (proxy: { type: string; host: string; port: number }): string =>
  `${proxy.type}://${proxy.host.includes(":") ? `[${proxy.host}]` : proxy.host}:${proxy.port}`;

/**
 * `--proxy`: an egress proxy URL (its password redacted from any error text); '-' reads it from
 * stdin; '' removes the account's proxy.
 */
async function readProxy(context: Context): Promise<string | null | undefined> {
  const given = optString(context.values, "proxy");
  const proxy = given === "-" ? await readStdin() : given;
  if (proxy === undefined || proxy === "") return proxy === "" ? null : undefined;
  context.client.addSecret(proxy);
  try {
    const password = decodeURIComponent(new URL(proxy).password);
    if (password) context.client.addSecret(password);
  } catch {
    // Not a URL: the admin API says why.
  }
  return proxy;
}

/** Body fields shared by the add-… commands and set; only flags actually given are sent. */
function readAccountFields(values: Values): AccountChangesBody {
  const fields: AccountChangesBody = {};
  const name = optString(values, "name");
  const description = optString(values, "description");
  const baseUrl = optString(values, "base-url");
  const priority = optNumber(values, "priority", { integer: true, min: 1, max: 100 });
  if (name !== undefined) fields.name = name;
  if (description !== undefined) fields.description = description;
  if (baseUrl !== undefined) fields.baseUrl = baseUrl;
  if (priority !== undefined) fields.priority = priority;
  const shared = optSwitch(values, "shared", "dedicated");
  if (shared !== undefined) fields.shared = shared;
  return fields;
}

const dedicatedOption: OptionSpec = {
  type: "boolean",
  help: "Out of the shared pool: serves only keys bound to it or to one of its groups",
};

const commonOptions: Options = {
  description: { type: "string", value: "TEXT", help: "Description" },
  "base-url": { type: "string", value: "URL", help: "Upstream base URL (empty = the official API)" },
  proxy: {
    type: "string",
    value: "URL",
    help: "Egress proxy for its upstream calls: socks5://user:pass@host:port or http://user:pass@host:port (CONNECT); '' removes it; '-' reads it from stdin",
  },
  priority: { type: "string", value: "P", help: "1-100, lower is tried first" },
  dedicated: dedicatedOption,
};

const accountPath = (id: string): string => `/admin/accounts/${encodeURIComponent(id)}`;
const show = (context: Context, raw: unknown, text: string): void =>
  context.print(context.json ? JSON.stringify(raw, null, 2) : text);

const apiKeyOption = (help: string): OptionSpec => ({
  type: "string",
  value: "KEY",
  required: true,
  help: `${help}; '-' reads it from stdin`,
});

interface AddSpec {
  verb: string;
  /** The admin API's account type: POST /admin/accounts/<type>. */
  type: string;
  summary: string;
  /** The type's own flags, listed after --name. */
  options: Options;
  /** False where the type's own flags name the upstream (Azure's --endpoint). */
  baseUrl?: boolean;
  /** The type's own body fields, read from its flags. */
  fields(context: Context): Promise<Record<string, unknown>>;
}

/** `accounts add-…`: the shared fields and flags, plus the type's own. */
function addAccount(spec: AddSpec): Command {
  const { "base-url": _baseUrl, ...withoutBaseUrl } = commonOptions;
  return {
    path: ["accounts", spec.verb],
    args: [],
    summary: spec.summary,
    options: {
      name: { type: "string", value: "NAME", required: true, help: "Account name" },
      ...spec.options,
      ...(spec.baseUrl === false ? withoutBaseUrl : commonOptions),
      priority: { type: "string", value: "P", help: "1-100, lower is tried first (default 50)" },
      unschedulable: { type: "boolean", help: "Add it without scheduling requests onto it" },
    },
    async run(context) {
      const fields = readAccountFields(context.values);
      if (context.values.unschedulable === true) fields.schedulable = false;
      const proxy = await readProxy(context);
      if (proxy) fields.proxy = proxy;
      Object.assign(fields, await spec.fields(context));
      const { data, raw } = await context.client.request(
        "POST",
        `/admin/accounts/${spec.type}`,
        accountResponseSchema,
        fields,
      );
      show(context, raw, `Added account "${data.account.name}".\n\n${accountDetails(data.account)}`);
    },
  };
}

/** `accounts add-…` for the account types whose credential is one API key. */
const addApiKeyAccount = (verb: string, type: string, what: string, keyHelp: string): Command =>
  addAccount({
    verb,
    type,
    summary: `Add ${what}`,
    options: { "api-key": apiKeyOption(keyHelp) },
    fields: async (context) => ({ apiKey: await readSecret(context, "api-key") }),
  });

/** `--model-map claude-sonnet-4-5=us.anthropic.claude-sonnet-4-5-20250929-v1:0,…` */
function parseModelMap(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  const map: Record<string, string> = {};
  for (const pair of text.split(",").filter((p) => p.trim() !== "")) {
    const at = pair.indexOf("=");
    if (at <= 0 || at === pair.length - 1) throw usageError(`--model-map: "${pair}" is not model=bedrock-id`);
    map[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return map;
}

/** `accounts add-bedrock`: an AWS access key, the region, optionally which model ids to call. */
const addBedrockAccount = addAccount({
  verb: "add-bedrock",
  type: "bedrock",
  summary: "Add an AWS Bedrock account (serves Claude requests)",
  options: {
    region: { type: "string", value: "REGION", required: true, help: "AWS region, e.g. us-east-1" },
    "access-key-id": { type: "string", value: "ID", required: true, help: "AWS access key id" },
    "secret-access-key": {
      type: "string",
      value: "SECRET",
      required: true,
      help: "AWS secret access key; '-' reads it from stdin",
    },
    "session-token": { type: "string", value: "TOKEN", help: "Session token (temporary STS credentials)" },
    "model-map": {
      type: "string",
      value: "MAP",
      help: "model=bedrock-id pairs, comma-separated (before the built-in mapping)",
    },
    "default-model": { type: "string", value: "ID", help: "Bedrock model id for models no mapping knows" },
  },
  async fields(context) {
    const { values } = context;
    const secretAccessKey = await readSecret(context, "secret-access-key");
    const sessionToken = optString(values, "session-token");
    if (sessionToken) context.client.addSecret(sessionToken);
    const modelMapping = parseModelMap(optString(values, "model-map"));
    const defaultModel = optString(values, "default-model");
    return {
      region: optString(values, "region"),
      accessKeyId: optString(values, "access-key-id"),
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      ...(modelMapping ? { modelMapping } : {}),
      ...(defaultModel ? { defaultModel } : {}),
    };
  },
});

/** `accounts add-azure`: an Azure OpenAI resource's endpoint, deployment, api-versions and key. */
const addAzureAccount = addAccount({
  verb: "add-azure",
  type: "azure-openai",
  summary: "Add an Azure OpenAI account (served at /azure)",
  baseUrl: false,
  options: {
    "api-key": apiKeyOption("Azure api-key"),
    endpoint: { type: "string", value: "URL", required: true, help: "https://NAME.openai.azure.com" },
    deployment: { type: "string", value: "NAME", required: true, help: "Deployment name" },
    "api-version": { type: "string", value: "V", help: "Chat/embeddings api-version (default 2024-10-21)" },
    "responses-api-version": {
      type: "string",
      value: "V",
      help: "Responses api-version (default 2025-04-01-preview)",
    },
  },
  async fields(context) {
    const { values } = context;
    const apiVersion = optString(values, "api-version");
    const responsesApiVersion = optString(values, "responses-api-version");
    return {
      apiKey: await readSecret(context, "api-key"),
      endpoint: optString(values, "endpoint"),
      deployment: optString(values, "deployment"),
      ...(apiVersion !== undefined ? { apiVersion } : {}),
      ...(responsesApiVersion !== undefined ? { responsesApiVersion } : {}),
    };
  },
});

export const accountCommands: Command[] = [
  {
    path: ["accounts", "list"],
    args: [],
    summary: "List upstream accounts",
    options: {},
    async run(context) {
      const { data, raw } = await context.client.request("GET", "/admin/accounts", accountListSchema);
      const headers = ["ID", "NAME", "TYPE", "PRIORITY", "SCHEDULABLE", "STATUS", "HEALTH", "BASE URL"];
      const text =
        data.accounts.length === 0 ? "No accounts." : table(headers, data.accounts.map(accountRow));
      show(context, raw, text);
    },
  },
  addApiKeyAccount(
    "add-console",
    "claude-console",
    "a Claude Console (API key) account",
    "Anthropic API key",
  ),
  addApiKeyAccount("add-gemini", "gemini-api", "a Gemini API key account", "Gemini API key"),
  addApiKeyAccount(
    "add-openai",
    "openai-api",
    "an OpenAI API key account (Responses, for Codex)",
    "OpenAI API key",
  ),
  addBedrockAccount,
  addAzureAccount,
  addApiKeyAccount(
    "add-droid",
    "droid",
    "a Droid (Factory.ai) API key account (served at /droid; --base-url defaults to Factory's LLM API)",
    "Factory API key",
  ),
  {
    path: ["accounts", "reset"],
    args: ["ID"],
    summary: "Clear an account's rate-limited / overloaded / unauthorized state",
    options: {},
    async run(context) {
      const id = context.args[0] ?? "";
      const { data, raw } = await context.client.request(
        "POST",
        `${accountPath(id)}/reset-status`,
        accountResponseSchema,
      );
      show(context, raw, `Account "${data.account.name}" is schedulable again.`);
    },
  },
  {
    path: ["accounts", "set"],
    args: ["ID"],
    summary: "Change an account (only the flags given change)",
    options: {
      name: { type: "string", value: "NAME", help: "New name" },
      "api-key": { type: "string", value: "KEY", help: "New API key; '-' reads it from stdin" },
      ...commonOptions,
      schedulable: { type: "boolean", help: "Schedule requests onto it" },
      unschedulable: { type: "boolean", help: "Stop scheduling new requests onto it" },
      shared: { type: "boolean", help: "Put it in the shared pool (the default for new accounts)" },
      enable: { type: "boolean", help: "Mark it active" },
      disable: { type: "boolean", help: "Mark it inactive" },
    },
    async run(context) {
      const { values } = context;
      const fields = readAccountFields(values);
      const schedulable = optSwitch(values, "schedulable", "unschedulable");
      const isActive = optSwitch(values, "enable", "disable");
      if (schedulable !== undefined) fields.schedulable = schedulable;
      if (isActive !== undefined) fields.isActive = isActive;
      const apiKey = await readSecret(context, "api-key");
      if (apiKey !== undefined) fields.apiKey = apiKey;
      const proxy = await readProxy(context);
      if (proxy !== undefined) fields.proxy = proxy;
      if (Object.keys(fields).length === 0) throw usageError("nothing to change: give at least one flag");
      const id = context.args[0] ?? "";
      const { data, raw } = await context.client.request(
        "PATCH",
        accountPath(id),
        accountResponseSchema,
        fields,
      );
      show(context, raw, `Updated account "${data.account.name}".\n\n${accountDetails(data.account)}`);
    },
  },
  {
    path: ["accounts", "test"],
    args: ["ID"],
    summary: "Send a 1-token request through the account (and its proxy) and say what the upstream answered",
    options: {},
    async run(context) {
      const id = context.args[0] ?? "";
      const { data, raw } = await context.client.request(
        "POST",
        `${accountPath(id)}/test`,
        accountTestSchema,
      );
      const verdict = data.ok ? "ok" : "failed";
      const message = data.message ? `: ${data.message}` : "";
      show(context, raw, `${verdict} (status ${data.status}, ${data.latencyMs} ms, ${data.model})${message}`);
      if (!data.ok) throw new CliError(EXIT.api, "the account test failed");
    },
  },
  {
    path: ["accounts", "delete"],
    args: ["ID"],
    summary: "Delete an account",
    options: {},
    async run(context) {
      const id = context.args[0] ?? "";
      const { raw } = await context.client.request("DELETE", accountPath(id), deletedSchema);
      show(context, raw, `Deleted account ${id}.`);
    },
  },
];
