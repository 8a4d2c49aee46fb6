// Per-account model mapping (the original's `supportedModels` map on Claude Console, OpenAI and
// Gemini accounts): the model the client named is sent upstream under the name the account's
// `settings.modelMapping` gives it. Bedrock maps its own models (providers/bedrock), so does
// nothing else here.

import { asObject } from "../http/json.ts";
import type { AccountRecord, AccountType } from "../keyspace/records/accounts.ts";
import { bareModel, parseCallPath, publicPath } from "../providers/gemini/codeassist.ts";
import type { ClientCall } from "../providers/provider.ts";

const MAPPED_KINDS: ReadonlySet<AccountType> = new Set([
  "claude-console",
  "openai-api",
  "openai-oauth",
  "gemini-api",
  "gemini-oauth",
]);

/** The upstream model `account` maps `model` to: an exact key first, then one equal but for case. */
function mappedModel(account: AccountRecord, model: string): string | undefined {
  if (!MAPPED_KINDS.has(account.type)) return undefined;
  const mapping = account.settings?.modelMapping;
  if (!mapping || typeof mapping !== "object" || Array.isArray(mapping)) return undefined;
  if (Object.hasOwn(mapping, model)) return mapping[model];
  const lower = model.toLowerCase();
  for (const [from, to] of Object.entries(mapping)) if (from.toLowerCase() === lower) return to;
  return undefined;
}

/** `models/x` stays prefixed, `x` bare, as the client wrote it. */
const renamed = (written: string, upstream: string) =>
  written.startsWith("models/") ? `models/${upstream}` : upstream;

/**
 * The body with its model renamed where the request names one: the top-level `model` (Messages,
 * Responses, chat, Code Assist generate) and Code Assist countTokens' `request.model`.
 */
function bodyWithModel(body: string, upstream: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  const object = asObject(parsed);
  if (!object) return body;
  let changed = false;
  if (typeof object.model === "string") {
    object.model = renamed(object.model, upstream);
    changed = true;
  }
  const inner = asObject(object.request);
  if (inner && typeof inner.model === "string") {
    inner.model = renamed(inner.model, upstream);
    changed = true;
  }
  return changed ? JSON.stringify(object) : body;
}

/** A Gemini public-API path (`/v1beta/models/<model>:<method>`) naming the upstream model instead. */
function pathWithModel(path: string, upstream: string): string {
  const target = parseCallPath(path);
  return target?.dialect === "public" ? publicPath(target.version, bareModel(upstream), target.method) : path;
}

/**
 * `call` as `account` sends it: unchanged when the account maps no model of this name, else with
 * the model renamed in the call, its JSON body and (Gemini) its upstream path.
 */
export function mapModel(call: ClientCall, account: AccountRecord): ClientCall {
  const upstream = mappedModel(account, call.model);
  if (upstream === undefined || upstream === call.model) return call;
  return {
    ...call,
    model: upstream,
    body: bodyWithModel(call.body, upstream),
    path: account.platform === "gemini" ? pathWithModel(call.path, upstream) : call.path,
  };
}
