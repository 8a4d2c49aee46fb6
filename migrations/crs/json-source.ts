// The original's JSON exports as a source: each record is laid out again under the Redis key it
// was read from, so the same classification and mappers serve them (CRS-REFERENCE §9).
//
//  - `npm run data:export` (version 1.0) and `data:export:enhanced` (2.0, scripts/
//    data-transfer-enhanced.js): {metadata, data: {apiKeys, claudeAccounts, geminiAccounts, admins,
//    globalModelStats}}; keys carry `usageStats` {total, daily, monthly, hourly, models} and, from
//    exporters that write them, the rated cost in USD: `costTotal`, `costDaily` {day: USD},
//    `costMonthly` {month: USD} (and `costHourly`), laid out as usage:cost:*; secrets are
//    decrypted in 2.0 (our decryption passes plaintext through), the OAuth bundles are objects. A
//    key in clear is hashed as the original hashes it.
//  - `GET /admin/sync/export-accounts` (src/routes/admin/sync.js): {success, data: {claudeAccounts,
//    claudeConsoleAccounts, openaiOAuthAccounts, openaiResponsesAccounts}}, each {kind, id, name,
//    …, credentials: {…}}; secrets decrypted; no account type.
//
// Either is partial: what a file lacks (a field, a cost, a family) leaves our records alone.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Fields, SourceReader } from "./source.ts";

type Entry =
  | { type: "hash"; fields: Fields }
  | { type: "string"; value: string }
  | { type: "set"; members: string[] };
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => Boolean(v) && typeof v === "object" && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string =>
  v === undefined || v === null
    ? ""
    : typeof v === "string"
      ? v
      : typeof v === "object"
        ? JSON.stringify(v)
        : String(v);

/** A record as the original's hash would hold it: every value a string, nested values as JSON. */
function hashOf(record: Obj, drop: readonly string[] = []): Fields {
  const fields: Fields = {};
  for (const [field, value] of Object.entries(record))
    if (!drop.includes(field) && value !== undefined && value !== null) fields[field] = str(value);
  return fields;
}

class Layout {
  readonly entries = new Map<string, Entry>();
  readonly notes: string[] = [];
  hash(key: string, fields: Fields) {
    if (Object.keys(fields).length > 0) this.entries.set(key, { type: "hash", fields });
  }
  string(key: string, value: string) {
    this.entries.set(key, { type: "string", value });
  }
  /** One record per id; an entry without one is noted, not guessed. */
  record(prefix: string, what: string, record: Obj, index: number, fields: Fields) {
    const id = str(record.id);
    if (!id || id.includes(":")) this.notes.push(`${what} #${index + 1}: no usable id, not imported`);
    else this.hash(`${prefix}${id}`, fields);
    return id;
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;
const COST_FIELDS = ["costTotal", "costDaily", "costMonthly", "costHourly"] as const;

function usageStatsOf(out: Layout, keyId: string, stats: Obj) {
  if (isObj(stats.total)) out.hash(`usage:${keyId}`, hashOf(stats.total));
  for (const kind of ["daily", "monthly", "hourly"] as const) {
    const periods = stats[kind];
    if (isObj(periods))
      for (const [stamp, data] of Object.entries(periods))
        if (isObj(data)) out.hash(`usage:${kind}:${keyId}:${stamp}`, hashOf(data));
  }
  // The rated cost in USD, as the original's usage:cost:* keys hold it (strings or numbers).
  const usd = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v).trim() : "");
  const total = usd(stats.costTotal);
  if (total) out.string(`usage:cost:total:${keyId}`, total);
  for (const [field, kind] of [
    ["costDaily", "daily"],
    ["costMonthly", "monthly"],
    ["costHourly", "hourly"],
  ] as const) {
    const periods = stats[field];
    if (isObj(periods))
      for (const [stamp, value] of Object.entries(periods))
        if (usd(value)) out.string(`usage:cost:${kind}:${keyId}:${stamp}`, usd(value));
  }
  if (isObj(stats.models))
    for (const [model, byKind] of Object.entries(stats.models)) {
      if (!isObj(byKind)) continue;
      for (const kind of ["daily", "monthly"] as const) {
        const periods = byKind[kind];
        if (isObj(periods))
          for (const [stamp, data] of Object.entries(periods))
            if (isObj(data)) out.hash(`usage:${keyId}:model:${kind}:${model}:${stamp}`, hashOf(data));
      }
    }
}

function fromDataExport(file: Obj, crsEncryptionKey: string): Layout {
  const meta = isObj(file.metadata) ? file.metadata : {};
  if (meta.sanitized === true || meta.sanitized === "true")
    throw new Error("a sanitized export holds no secrets and no key hashes: export again without --sanitize");
  const data = isObj(file.data) ? file.data : {};
  const out = new Layout();
  for (const [i, key] of list(data.apiKeys).entries()) {
    const fields = hashOf(key, ["usageStats"]);
    const apiKey = fields.apiKey ?? "";
    // A key in clear (the importer of the original accepts those too): hashed as the original does.
    if (apiKey && !SHA256_HEX.test(apiKey))
      fields.apiKey = createHash("sha256")
        .update(apiKey + crsEncryptionKey)
        .digest("hex");
    const id = out.record("apikey:", "apiKeys", key, i, fields);
    if (id && isObj(key.usageStats)) usageStatsOf(out, id, key.usageStats);
  }
  for (const [i, account] of list(data.claudeAccounts).entries())
    out.record("claude:account:", "claudeAccounts", account, i, hashOf(account));
  for (const [i, account] of list(data.geminiAccounts).entries())
    out.record("gemini_account:", "geminiAccounts", account, i, hashOf(account));
  for (const [i, admin] of list(data.admins).entries())
    out.record("admin:", "admins", admin, i, hashOf(admin));
  const global = isObj(data.globalModelStats) ? data.globalModelStats : {};
  for (const kind of ["daily", "monthly", "hourly"] as const) {
    const periods = global[kind];
    if (!isObj(periods)) continue;
    for (const [stamp, models] of Object.entries(periods))
      if (isObj(models))
        for (const [model, counts] of Object.entries(models))
          if (isObj(counts)) out.hash(`usage:model:${kind}:${model}:${stamp}`, hashOf(counts));
  }
  for (const family of Object.keys(data))
    if (!["apiKeys", "claudeAccounts", "geminiAccounts", "admins", "globalModelStats"].includes(family))
      out.notes.push(`data.${family}: not a family this export format has, not imported`);
  const withStats = list(data.apiKeys).flatMap((k) => (isObj(k.usageStats) ? [k.usageStats] : []));
  if (withStats.length > 0 && !withStats.some((u) => COST_FIELDS.some((f) => f in u)))
    out.notes.push(
      "the keys' usageStats carry no cost (an exporter that writes none): the costs here are left as they are",
    );
  return out;
}

const flag = (v: unknown, fallback: boolean) =>
  v === undefined || v === null ? fallback : v === true || v === "true";

/** The fields every kind of the sync export shares, as the original's hash names them. */
function commonOf(a: Obj): Fields {
  return hashOf({
    id: a.id,
    name: a.name,
    description: a.description,
    isActive: String(flag(a.isActive, true)),
    schedulable: String(flag(a.schedulable, true)),
    priority: a.priority,
    status: a.status,
    proxy: isObj(a.proxy) ? a.proxy : undefined,
    maxConcurrentTasks: a.maxConcurrentTasks,
  });
}

function fromSyncExport(data: Obj): Layout {
  const out = new Layout();
  const epochMs = (iso: unknown) => {
    const ms = Date.parse(str(iso));
    return Number.isFinite(ms) ? String(ms) : "";
  };
  const families: [string, string, (a: Obj, c: Obj) => Obj][] = [
    [
      "claudeAccounts",
      "claude:account:",
      (a, c) => ({
        accessToken: c.access_token,
        refreshToken: c.refresh_token,
        expiresAt: epochMs(c.expires_at),
        scopes: c.scope,
        subscriptionInfo: isObj(a.extra) ? a.extra.crs_subscription_info : undefined,
      }),
    ],
    [
      "claudeConsoleAccounts",
      "claude_console_account:",
      (_a, c) => ({
        apiKey: c.api_key,
        apiUrl: c.base_url,
        supportedModels: c.model_mapping,
        userAgent: c.user_agent,
      }),
    ],
    [
      "openaiOAuthAccounts",
      "openai:account:",
      (_a, c) => ({
        accessToken: c.access_token,
        refreshToken: c.refresh_token,
        idToken: c.id_token,
        expiresAt: c.expires_at,
        scopes: c.scope,
        accountId: c.chatgpt_account_id,
        chatgptUserId: c.chatgpt_user_id,
        organizationId: c.organization_id,
      }),
    ],
    [
      "openaiResponsesAccounts",
      "openai_responses_account:",
      (_a, c) => ({ apiKey: c.api_key, baseApi: c.base_url, userAgent: c.user_agent }),
    ],
  ];
  for (const [family, prefix, secrets] of families)
    for (const [i, account] of list(data[family]).entries()) {
      const credentials = isObj(account.credentials) ? account.credentials : {};
      out.record(prefix, family, account, i, {
        ...commonOf(account),
        ...hashOf(secrets(account, credentials)),
      });
    }
  out.notes.push(
    "the sync export carries no account type, no concurrency limit of OpenAI OAuth accounts and no creation times: an account already here keeps its own; a new one is imported shared (the original's default, which makes a dedicated account serve every unbound key)",
  );
  return out;
}

function readerOf(label: string, layout: Layout): SourceReader {
  const { entries } = layout;
  const get = <T>(keys: readonly string[], read: (e: Entry | undefined) => T) =>
    Promise.resolve(keys.map((k) => read(entries.get(k))));
  return {
    label,
    notes: layout.notes,
    partial: true,
    async *scan() {
      yield [...entries.keys()];
    },
    types: (keys) => get(keys, (e) => e?.type ?? "none"),
    hashes: (keys) => get(keys, (e) => (e?.type === "hash" ? e.fields : {})),
    strings: (keys) => get(keys, (e) => (e?.type === "string" ? e.value : null)),
    sets: (keys) => get(keys, (e) => (e?.type === "set" ? e.members : [])),
    // An export keeps no lifetimes: usage buckets get ours (map-usage.ts).
    ttls: (keys) => get(keys, (e) => (e ? -1 : -2)),
    async close() {},
  };
}

/** Reads an export file and tells which of the original's formats it is. */
export function openJsonSource(path: string, crsEncryptionKey: string): SourceReader {
  let file: unknown;
  try {
    file = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${path} is not a JSON file: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isObj(file)) throw new Error(`${path}: not one of the original's export formats`);
  if (isObj(file.metadata) && isObj(file.data)) {
    const version = str(file.metadata.version) || "?";
    return readerOf(`${path} (data export, version ${version})`, fromDataExport(file, crsEncryptionKey));
  }
  const data = isObj(file.data) ? file.data : file;
  const kinds = ["claudeAccounts", "claudeConsoleAccounts", "openaiOAuthAccounts", "openaiResponsesAccounts"];
  if (kinds.some((k) => Array.isArray(data[k])) && ("exportedAt" in data || file.success === true))
    return readerOf(`${path} (admin sync export)`, fromSyncExport(data));
  throw new Error(
    `${path}: not one of the original's export formats (data:export / data:export:enhanced, or /admin/sync/export-accounts)`,
  );
}
