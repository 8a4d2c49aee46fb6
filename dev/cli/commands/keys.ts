// `keys …`: list, inspect, create, change, disable/enable and delete relay keys.
import type { Command, Options, Values } from "../command.ts";
import { optList, optNumber, optString } from "../command.ts";
import { usageError } from "../errors.ts";
import type { Expiry, KeyChangesBody, KeyLimits } from "../schemas.ts";
import {
  deletedSchema,
  keyCreatedSchema,
  keyListSchema,
  keyLiveSchema,
  keyResponseSchema,
} from "../schemas.ts";
import { details, table, when } from "../table.ts";
import { KEY_HEADERS, keyDetails, keyRow } from "./key-format.ts";

interface LimitFlag {
  flag: string;
  field: keyof KeyLimits;
  kind: "int" | "number" | "list";
  value: string;
  max?: number;
  help: string;
}

// One row per limit flag: it gives the parseArgs option, the help line and the API field at once.
const LIMIT_FLAGS: LimitFlag[] = [
  {
    flag: "concurrency",
    field: "concurrencyLimit",
    kind: "int",
    value: "N",
    help: "Max concurrent requests",
  },
  {
    flag: "queue-seconds",
    field: "concurrencyQueueSeconds",
    kind: "number",
    value: "S",
    max: 300,
    help: "At the concurrency limit, wait up to S seconds for a slot (0 = refuse at once)",
  },
  {
    flag: "rate-window",
    field: "rateLimitWindowMinutes",
    kind: "int",
    value: "MIN",
    help: "Rate limit window",
  },
  { flag: "rate-requests", field: "rateLimitRequests", kind: "int", value: "N", help: "Requests per window" },
  { flag: "rate-cost", field: "rateLimitCost", kind: "number", value: "USD", help: "Cost per window" },
  { flag: "daily-cost", field: "dailyCostLimit", kind: "number", value: "USD", help: "Cost per day" },
  {
    flag: "weekly-cost",
    field: "weeklyCostLimit",
    kind: "number",
    value: "USD",
    help: "Claude cost per week",
  },
  { flag: "total-cost", field: "totalCostLimit", kind: "number", value: "USD", help: "Cost in total" },
  { flag: "token-limit", field: "tokenLimit", kind: "int", value: "N", help: "Tokens in total" },
  {
    flag: "permissions",
    field: "permissions",
    kind: "list",
    value: "LIST",
    help: "Only these platforms: claude,gemini,openai,droid (empty = all)",
  },
  {
    flag: "allowed-clients",
    field: "allowedClients",
    kind: "list",
    value: "LIST",
    help: "Only these clients: claude_code,gemini_cli,codex_cli,droid_cli (empty = any)",
  },
  {
    flag: "restricted-models",
    field: "restrictedModels",
    kind: "list",
    value: "LIST",
    help: "Refuse these models",
  },
];

const limitOptions: Options = Object.fromEntries(
  LIMIT_FLAGS.map(({ flag, value, help }) => [flag, { type: "string", value, help }]),
);

const expiryOptions: Options = {
  "expires-at": { type: "string", value: "ISO", help: "Expire at this date/time, e.g. 2026-12-31T23:59:00Z" },
  "activation-days": { type: "string", value: "N", help: "Expire N days after the key's first use" },
};

type LimitValues = Partial<Record<keyof KeyLimits, number | string[]>>;

function readLimits(values: Values): LimitValues {
  const limits: LimitValues = {};
  for (const { flag, field, kind, max } of LIMIT_FLAGS) {
    const value =
      kind === "list" ? optList(values, flag) : optNumber(values, flag, { integer: kind === "int", max });
    if (value !== undefined) limits[field] = value;
  }
  return limits;
}

function readExpiry(values: Values): Expiry | undefined {
  const at = optString(values, "expires-at");
  const days = optNumber(values, "activation-days", { integer: true, min: 1 });
  const never = values["never-expires"] === true;
  if ([at !== undefined, days !== undefined, never].filter(Boolean).length > 1) {
    throw usageError("use only one of --expires-at, --activation-days and --never-expires");
  }
  if (at !== undefined) {
    const time = Date.parse(at);
    if (Number.isNaN(time)) throw usageError(`--expires-at must be a date/time, got "${at}"`);
    return { mode: "fixed", expiresAt: new Date(time).toISOString() };
  }
  if (days !== undefined) return { mode: "activation", days };
  return never ? { mode: "never" } : undefined;
}

/** The API's key body, list limits as given (the relay checks their values). */
type KeyInput = Omit<KeyChangesBody, "limits"> & { limits?: LimitValues };

/** Fields shared by create (POST) and set (PATCH); only flags actually given are sent. */
function readKeyInput(values: Values): KeyInput {
  const input: KeyInput = {};
  const name = optString(values, "name");
  const description = optString(values, "description");
  const tags = optList(values, "tag");
  const expiry = readExpiry(values);
  const limits = readLimits(values);
  if (name !== undefined) input.name = name;
  if (description !== undefined) input.description = description;
  if (tags !== undefined) input.tags = tags;
  if (expiry !== undefined) input.expiry = expiry;
  if (Object.keys(limits).length > 0) input.limits = limits;
  return input;
}

const keyPath = (id: string): string => `/admin/keys/${encodeURIComponent(id)}`;

const SECRET_NOTE = "Secret key (shown only once: store it now, the relay keeps only a hash):";

function toggle(action: "disable" | "enable"): Command {
  return {
    path: ["keys", action],
    args: ["ID"],
    summary: action === "disable" ? "Disable a key (requests with it are refused)" : "Enable a disabled key",
    options: {},
    async run({ client, args: [id = ""], json, print }) {
      const { data, raw } = await client.request("POST", `${keyPath(id)}/${action}`, keyResponseSchema);
      if (json) return print(JSON.stringify(raw, null, 2));
      print(`Key "${data.key.name}" (${data.key.id}) is now ${action}d.`);
    },
  };
}

const usd = (micro: number): string => `$${(micro / 1_000_000).toFixed(4)}`;

export const keyCommands: Command[] = [
  {
    path: ["keys", "live"],
    args: ["ID"],
    summary: "Show a key's live limit state: rate window, active requests, spend",
    options: {},
    async run({ client, args: [id = ""], json, print }) {
      const { data, raw } = await client.request("GET", `${keyPath(id)}/live`, keyLiveSchema);
      if (json) return print(JSON.stringify(raw, null, 2));
      const window = data.window;
      print(
        details([
          ["Active requests", String(data.activeLeases)],
          ["Waiting for a slot", String(data.queued)],
          [
            "Rate window",
            window
              ? `${window.requests} requests, ${window.tokens} tokens, ${usd(window.costMicroUsd)} since ${when(new Date(window.start).toISOString())}`
              : "-",
          ],
          ["Spent today", usd(data.spend.dayCostMicroUsd)],
          ["Spent this week (Claude)", usd(data.spend.weekCostMicroUsd)],
          ["Spent in total", usd(data.spend.totalCostMicroUsd)],
          ["Tokens in total", String(data.spend.totalTokens)],
        ]),
      );
    },
  },
  {
    path: ["keys", "list"],
    args: [],
    summary: "List relay keys",
    options: {},
    async run({ client, json, print }) {
      const { data, raw } = await client.request("GET", "/admin/keys", keyListSchema);
      if (json) return print(JSON.stringify(raw, null, 2));
      print(data.keys.length === 0 ? "No keys." : table(KEY_HEADERS, data.keys.map(keyRow)));
    },
  },
  {
    path: ["keys", "get"],
    args: ["ID"],
    summary: "Show one key with all its limits",
    options: {},
    async run({ client, args: [id = ""], json, print }) {
      const { data, raw } = await client.request("GET", keyPath(id), keyResponseSchema);
      print(json ? JSON.stringify(raw, null, 2) : keyDetails(data.key));
    },
  },
  {
    path: ["keys", "create"],
    args: [],
    summary: "Create a key and print its secret (once)",
    details:
      "Numeric limits: 0 or left out = no limit. --rate-window needs --rate-requests or --rate-cost.\n" +
      "Lists take comma-separated values; --tag can be repeated.",
    options: {
      name: { type: "string", value: "NAME", required: true, help: "Key name" },
      description: { type: "string", value: "TEXT", help: "Description" },
      tag: { type: "string", multiple: true, value: "TAG", help: "Tag (repeatable)" },
      ...limitOptions,
      ...expiryOptions,
    },
    async run({ client, values, json, print }) {
      const input = readKeyInput(values);
      const has = (flag: string): boolean => values[flag] !== undefined;
      // A window without a quota (or the reverse) would be silently ignored by the relay.
      if (has("rate-window") !== (has("rate-requests") || has("rate-cost"))) {
        throw usageError("--rate-window and --rate-requests (or --rate-cost) go together");
      }
      const { data, raw } = await client.request("POST", "/admin/keys", keyCreatedSchema, input);
      if (json) return print(JSON.stringify(raw, null, 2));
      print(
        `Created key "${data.key.name}".\n\n${keyDetails(data.key)}\n\n${SECRET_NOTE}\n\n  ${data.secret}\n`,
      );
    },
  },
  {
    path: ["keys", "set"],
    args: ["ID"],
    summary: "Change a key's name, tags, expiry or limits",
    details:
      "Only the flags given change; 0 removes a limit, an empty list value (--permissions '') clears it.\n" +
      "--tag replaces all tags (--tag '' removes them).",
    options: {
      name: { type: "string", value: "NAME", help: "New name" },
      description: { type: "string", value: "TEXT", help: "New description" },
      tag: { type: "string", multiple: true, value: "TAG", help: "Replace the tags (repeatable)" },
      ...limitOptions,
      ...expiryOptions,
      "never-expires": { type: "boolean", help: "Remove the expiry" },
    },
    async run({ client, args: [id = ""], values, json, print }) {
      const input = readKeyInput(values);
      if (Object.keys(input).length === 0) throw usageError("nothing to change: give at least one flag");
      const { data, raw } = await client.request("PATCH", keyPath(id), keyResponseSchema, input);
      if (json) return print(JSON.stringify(raw, null, 2));
      print(`Updated key "${data.key.name}".\n\n${keyDetails(data.key)}`);
    },
  },
  toggle("disable"),
  toggle("enable"),
  {
    path: ["keys", "delete"],
    args: ["ID"],
    summary: "Delete a key for good",
    options: {},
    async run({ client, args: [id = ""], json, print }) {
      const { raw } = await client.request("DELETE", keyPath(id), deletedSchema);
      print(json ? JSON.stringify(raw, null, 2) : `Deleted key ${id}.`);
    },
  },
];
