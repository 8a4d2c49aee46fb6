// "Test connection" for an account, like the original's test endpoints: one tiny real request
// through the account's own provider (a 1-token message), answering ok / status / latency and
// the upstream's error message. The account's model mapping applies, as to a request. The admin's
// test leaves the account's health alone; a scheduled one (worker/account-tests/) tells the pool
// its verdict. No secret is echoed.
import { createRoute, z } from "@hono/zod-openapi";
import { runOf } from "../account-tests/run.ts";
import { type Env, services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import type { AccountRecord } from "../keyspace/records/accounts.ts";
import { accountKind } from "../providers/account-types.ts";
import type { AccountOutcome } from "../providers/provider.ts";
import { fetchThroughAccountProxy } from "../proxy/account.ts";
import { mapModel } from "../relay/model-mapping.ts";
import { accountCredentials, poolOf } from "../relay/schedule.ts";
import { registerAccountTestSchedule } from "./account-test-schedule.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { errorSchema, idParam } from "./schemas.ts";

const TIMEOUT_MS = 30_000;
const MESSAGE_MAX = 500;

export const accountTestResultSchema = z
  .object({
    ok: z.boolean(),
    /** The upstream's HTTP status; 0 when it could not be reached. */
    status: z.number().int(),
    latencyMs: z.number(),
    model: z.string(),
    /** The name the account's model mapping sent the model upstream under, when another. */
    upstreamModel: z.string().optional(),
    message: z.string().optional(),
  })
  .openapi("AccountTestResult");
export type AccountTestResult = z.infer<typeof accountTestResultSchema>;

const route = createRoute({
  method: "post",
  path: "/accounts/{id}/test",
  tags: ["accounts"],
  security: [{ adminJwt: [] }],
  summary: "Send a 1-token request through the account and report whether the upstream accepts it",
  request: { params: idParam },
  responses: {
    200: jsonContent(accountTestResultSchema, "What the upstream answered"),
    404: jsonContent(errorSchema, "No such account"),
  },
});

/** The account kind's default model is its platform's cheapest; an account's own model list wins. */
function testModel(account: AccountRecord, fallback: string): string {
  return account.models.find((m) => !m.endsWith("*")) ?? fallback;
}

/** Removes every secret of the credentials from a text the upstream sent back. */
function scrub(text: string, credentials: unknown): string {
  let clean = text;
  const secrets =
    credentials && typeof credentials === "object"
      ? Object.values(credentials).filter((v): v is string => typeof v === "string" && v.length >= 8)
      : [];
  for (const secret of secrets) clean = clean.split(secret).join("[redacted]");
  return clean;
}

function upstreamMessage(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    const error = parsed && typeof parsed === "object" && "error" in parsed ? parsed.error : undefined;
    if (error && typeof error === "object" && "message" in error && typeof error.message === "string")
      return error.message;
    if (typeof error === "string") return error;
  } catch {
    // Not JSON: the raw text, cut short.
  }
  return text;
}

/** A test's result, and what the answer says about the account (as a request's would). */
export interface AccountProbe {
  result: AccountTestResult;
  /** Absent when the pool has heard already (a failed credential refresh parks the account itself). */
  outcome?: AccountOutcome;
}

export async function testAccount(env: Env, account: AccountRecord): Promise<AccountTestResult> {
  return (await probeAccount(env, account)).result;
}

export async function probeAccount(env: Env, account: AccountRecord): Promise<AccountProbe> {
  const s = services(env);
  const kind = accountKind(account.type);
  const { provider } = kind;
  const model = testModel(account, kind.testModel);
  let current = account;
  let credentials = await accountCredentials(s, current);
  if (kind.refresh?.due(current, credentials, Date.now())) {
    const renewed = await poolOf(env, s, account.platform).refreshCredentials(account.id);
    if (!renewed.ok)
      return {
        result: { ok: false, status: 401, latencyMs: 0, model, message: scrub(renewed.message, credentials) },
      };
    current = renewed.account;
    credentials = await accountCredentials(s, current);
  }
  const client = new Request("https://relay.invalid/", {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
  });
  const call = mapModel({ ...kind.testCall(model), request: client }, current);
  const mapped = call.model !== model ? { upstreamModel: call.model } : {};
  const started = Date.now();
  try {
    const upstream = await provider.buildRequest(call, current, credentials, s.config);
    // Through the account's egress proxy when it names one, as the relay sends (worker/proxy/).
    const raw = current.proxy
      ? await fetchThroughAccountProxy(
          s,
          current.id,
          current.proxy,
          upstream,
          AbortSignal.timeout(TIMEOUT_MS),
          TIMEOUT_MS,
        )
      : await fetch(upstream, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    // Bedrock's errors read like Anthropic's once adapted.
    const response = provider.adaptAnswer?.(raw, call, current)?.response ?? raw;
    const text = await response.text();
    const latencyMs = Date.now() - started;
    // The verdict on the model the client would have named, as the relay reads it (forward.ts).
    const outcome = provider.outcome(response, model, current, response.ok ? undefined : text);
    if (response.ok)
      return { result: { ok: true, status: response.status, latencyMs, model, ...mapped }, outcome };
    const message = scrub(upstreamMessage(text), credentials).slice(0, MESSAGE_MAX);
    return {
      result: {
        ok: false,
        status: response.status,
        latencyMs,
        model,
        ...mapped,
        message: message || response.statusText,
      },
      outcome,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      result: {
        ok: false,
        status: 0,
        latencyMs: Date.now() - started,
        model,
        ...mapped,
        message: scrub(message, credentials),
      },
      // Unreachable (or no answer in time): what the relay counts against the account.
      outcome: { kind: "server-error" },
    };
  }
}

export function registerAccountTest(app: AdminApp) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const account = await services(c.env).keyspace.getAccount(id);
    if (!account) throw new RelayError("not_found", `No account ${id}`);
    const startedAt = Date.now();
    const result = await testAccount(c.env, account);
    // Kept in the account's test history beside the scheduled ones.
    await services(c.env).keyspace.accountTests.record(id, runOf(result, "manual", startedAt));
    return c.json(result, 200);
  });
  registerAccountTestSchedule(app);
}
