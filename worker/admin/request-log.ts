// The request log (issue 21): recent requests newest first, filtered and paged by cursor, each
// account's error history, and the log's retention. Entries are written by the usage flush
// (worker/keyspace/request-log-ops.ts), so a request appears here once its key's usage is flushed.
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import {
  LOG_ENTRIES_MAX,
  LOG_ENTRIES_MIN,
  RETENTION_DAYS_MAX,
  type RequestLogEntry,
  type RequestLogSettings,
  requestLogSettingsSchema,
} from "../keyspace/records/request-log.ts";
import { usageSchema } from "../keyspace/records/usage.ts";
import {
  CURSOR_PATTERN,
  decodeCursor,
  type LogNames,
  type LogPage,
  SCAN_MAX,
} from "../keyspace/request-log-store.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { idParam } from "./schemas.ts";

const entryView = z
  .object({
    requestId: z.string(),
    at: z.string().openapi({ description: "When the request started (ISO 8601, UTC)" }),
    keyId: z.string(),
    keyName: z.string().nullable(),
    userId: z.string().nullable().openapi({ description: "The key's owner (a portal user), if any" }),
    userName: z.string().nullable(),
    accountId: z.string().nullable(),
    accountName: z.string().nullable(),
    platform: z.string(),
    model: z.string(),
    status: z.number().int(),
    durationMs: z.number(),
    upstreamMs: z.number().nullable(),
    usage: usageSchema,
    totalTokens: z.number().int(),
    costUsd: z.number(),
    served: z
      .boolean()
      .openapi({ description: "False when the relay refused it before any upstream answered" }),
    errorType: z.string().nullable(),
    message: z.string().nullable(),
  })
  .openapi("RequestLogEntry");

const pageView = z
  .object({
    entries: z.array(entryView),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass as `cursor` for older entries; null at the end" }),
    scanned: z
      .number()
      .int()
      .openapi({
        description: `Entries read for this page; a page stops after ${SCAN_MAX} even if it is not full`,
      }),
  })
  .openapi("RequestLogPage");

const settingsView = requestLogSettingsSchema.omit({ v: true }).openapi("RequestLogSettings");
const settingsBody = z
  .object({
    retentionDays: z.number().int().min(1).max(RETENTION_DAYS_MAX).optional(),
    maxEntries: z.number().int().min(LOG_ENTRIES_MIN).max(LOG_ENTRIES_MAX).optional(),
  })
  .strict()
  .openapi("RequestLogSettingsChanges");

const pageQuery = {
  cursor: z.string().regex(CURSOR_PATTERN).optional().openapi({ description: "From the previous page" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
};
const flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const routes = {
  list: createRoute({
    method: "get",
    path: "/request-log",
    tags: ["usage"],
    security: [{ adminJwt: [] }],
    summary: "Recent requests, newest first, filtered and paged by cursor",
    request: {
      query: z.object({
        keyId: z.string().min(1).optional(),
        accountId: z.string().min(1).optional(),
        model: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .openapi({ description: "Part of the model name, case-blind" }),
        status: z.enum(["2xx", "3xx", "4xx", "5xx"]).optional(),
        errorsOnly: flag.optional(),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
        ...pageQuery,
      }),
    },
    responses: { 200: jsonContent(pageView, "A page of the request log") },
  }),
  accountErrors: createRoute({
    method: "get",
    path: "/accounts/{id}/errors",
    tags: ["accounts"],
    security: [{ adminJwt: [] }],
    summary: "One account's failed requests, newest first (within the request log's retention)",
    request: { params: idParam, query: z.object(pageQuery) },
    responses: { 200: jsonContent(pageView, "A page of the account's errors") },
  }),
  readSettings: createRoute({
    method: "get",
    path: "/settings/request-log",
    tags: ["settings"],
    security: [{ adminJwt: [] }],
    summary: "How long and how many entries the request log keeps",
    responses: { 200: jsonContent(settingsView, "Request log settings") },
  }),
  writeSettings: createRoute({
    method: "put",
    path: "/settings/request-log",
    tags: ["settings"],
    security: [{ adminJwt: [] }],
    summary: "Change the request log's retention; older or surplus entries are dropped at once",
    request: { body: { content: { "application/json": { schema: settingsBody } }, required: true } },
    responses: { 200: jsonContent(settingsView, "Request log settings") },
  }),
};

const tokensOf = (u: RequestLogEntry["usage"]) =>
  u.input_tokens + u.output_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;

function view(entry: RequestLogEntry, names: LogNames): z.infer<typeof entryView> {
  const key = names.keys.get(entry.keyId);
  const userId = key?.ownerId ?? null;
  return {
    requestId: entry.requestId,
    at: entry.at,
    keyId: entry.keyId,
    keyName: key?.name ?? null,
    userId,
    userName: userId ? (names.users.get(userId) ?? null) : null,
    accountId: entry.accountId ?? null,
    accountName: entry.accountId ? (names.accounts.get(entry.accountId) ?? null) : null,
    platform: entry.platform,
    model: entry.model,
    status: entry.status,
    durationMs: entry.durationMs,
    upstreamMs: entry.upstreamMs ?? null,
    usage: entry.usage,
    totalTokens: tokensOf(entry.usage),
    costUsd: entry.costPicoUsd / 1e12,
    served: entry.served,
    errorType: entry.errorType ?? null,
    message: entry.message ?? null,
  };
}

const settingsOut = ({ v: _v, ...settings }: RequestLogSettings) => settings;

export function registerRequestLog(app: AdminApp) {
  app.openapi(routes.list, async (c) => {
    const { requestLog } = services(c.env).keyspace;
    const q = c.req.valid("query");
    const page = await requestLog.page({
      filter: {
        keyId: q.keyId,
        accountId: q.accountId,
        model: q.model,
        statusClass: q.status,
        errorsOnly: q.errorsOnly,
      },
      from: q.from ? Date.parse(q.from) : undefined,
      to: q.to ? Date.parse(q.to) : undefined,
      cursor: q.cursor ? decodeCursor(q.cursor) : null,
      limit: q.limit,
    });
    return c.json(await withNames(requestLog, page), 200);
  });

  app.openapi(routes.accountErrors, async (c) => {
    const { requestLog } = services(c.env).keyspace;
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    const page = await requestLog.accountErrors(id, {
      filter: {},
      cursor: q.cursor ? decodeCursor(q.cursor) : null,
      limit: q.limit,
    });
    return c.json(await withNames(requestLog, page), 200);
  });

  app.openapi(routes.readSettings, async (c) =>
    c.json(settingsOut(await services(c.env).keyspace.requestLog.settings()), 200),
  );

  app.openapi(routes.writeSettings, async (c) => {
    const { requestLog } = services(c.env).keyspace;
    const next = requestLogSettingsSchema.parse({
      ...(await requestLog.settings()),
      ...c.req.valid("json"),
      updatedAt: new Date().toISOString(),
    });
    await requestLog.putSettings(next);
    return c.json(settingsOut(next), 200);
  });
}

async function withNames(
  requestLog: { names(entries: readonly RequestLogEntry[]): Promise<LogNames> },
  page: LogPage,
) {
  const names = await requestLog.names(page.entries);
  return {
    entries: page.entries.map((e) => view(e, names)),
    nextCursor: page.nextCursor,
    scanned: page.scanned,
  };
}
