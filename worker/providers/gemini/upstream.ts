// Builds the request to Google (or a chained relay / the fake upstream) for a Gemini account:
// API-key accounts speak the public Generative Language API with `x-goog-api-key`; OAuth accounts
// speak Code Assist with a bearer token and their Cloud project. A call in the other dialect than
// the account's is mapped (codeassist.ts); the answer is mapped back by the route.

import type { Config } from "../../env.ts";
import { asObject, type Json } from "../../http/json.ts";
import type { AccountRecord } from "../../keyspace/records/accounts.ts";
import { consoleCredentialsSchema, oauthCredentialsSchema } from "../../keyspace/records/accounts.ts";
import type { ClientCall } from "../provider.ts";
import {
  codeAssistPath,
  parseCallPath,
  publicPath,
  toCodeAssistRequest,
  toPublicRequest,
  withProject,
} from "./codeassist.ts";

/**
 * Client headers passed on. Everything else stays behind: the relay key, cookies, proxy and CDN
 * headers, and the client's installation id (`x-gemini-api-privileged-user-id`).
 */
const FORWARDED_HEADERS = ["user-agent", "x-goog-api-client", "accept", "accept-language"];

function upstreamHeaders(incoming: Headers): Headers {
  const headers = new Headers();
  for (const name of FORWARDED_HEADERS) {
    const value = incoming.get(name);
    if (value) headers.set(name, value);
  }
  headers.set("content-type", "application/json");
  return headers;
}

function parseBody(text: string): Json {
  try {
    return asObject(JSON.parse(text)) ?? {};
  } catch {
    return {};
  }
}

const trimBase = (base: string) => base.replace(/\/+$/, "");

/** Whether the account answers in Code Assist's wrapped shape. */
export const speaksCodeAssist = (account: AccountRecord) => account.type === "gemini-oauth";

export function buildGeminiRequest(
  call: ClientCall,
  account: AccountRecord,
  credentials: unknown,
  config: Config,
): Request {
  const target = parseCallPath(call.path);
  if (!target) throw new Error(`not a Gemini upstream path: ${call.path}`);
  const headers = upstreamHeaders(call.request.headers);
  let url: string;
  let body = call.body;
  if (speaksCodeAssist(account)) {
    const { accessToken, projectId } = oauthCredentialsSchema.parse(credentials);
    headers.set("authorization", `Bearer ${accessToken}`);
    url = `${trimBase(account.baseUrl || config.CODE_ASSIST_API_BASE)}${codeAssistPath(target.method)}`;
    const parsed = parseBody(call.body);
    body = JSON.stringify(
      target.dialect === "public"
        ? toCodeAssistRequest(target.method, call.model, parsed, projectId)
        : withProject(parsed, projectId),
    );
  } else {
    headers.set("x-goog-api-key", consoleCredentialsSchema.parse(credentials).apiKey);
    const base = trimBase(account.baseUrl || config.GEMINI_API_BASE);
    if (target.dialect === "public") {
      url = `${base}${call.path}`;
    } else {
      url = `${base}${publicPath("v1beta", call.model, target.method)}`;
      body = JSON.stringify(toPublicRequest(target.method, parseBody(call.body)));
    }
  }
  return new Request(`${url}${call.search}`, { method: "POST", headers, body });
}
