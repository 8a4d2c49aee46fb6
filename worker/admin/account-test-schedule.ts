// Scheduled account tests in the admin API: an account's test interval (off by default), its test
// history, and every account's last result and next test for the Accounts page (one call). The
// cron runs the tests (worker/account-tests/scheduled.ts).
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import {
  accountTestRunSchema,
  TEST_INTERVAL_MAX_MINUTES,
  TEST_INTERVAL_MIN_MINUTES,
} from "../keyspace/records/account-tests.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { errorSchema, idParam } from "./schemas.ts";

const security = [{ adminJwt: [] }];
const tags = ["accounts"];

const runSchema = accountTestRunSchema.omit({ v: true }).openapi("AccountTestRun");

const scheduleFields = {
  /** null: no scheduled test. */
  intervalMinutes: z.number().int().nullable(),
  nextAt: z.string().nullable().openapi({ description: "When the next scheduled test is due (ISO)" }),
};

const overviewSchema = z
  .object({
    accounts: z.array(
      z.object({ accountId: z.string(), ...scheduleFields, last: z.union([runSchema, z.null()]) }),
    ),
  })
  .openapi("AccountTestsOverview");

const historySchema = z
  .object({ ...scheduleFields, history: z.array(runSchema) })
  .openapi("AccountTestHistory");

const scheduleBody = z
  .object({
    intervalMinutes: z
      .number()
      .int()
      .refine((n) => n === 0 || (n >= TEST_INTERVAL_MIN_MINUTES && n <= TEST_INTERVAL_MAX_MINUTES), {
        message: `0 (off) or ${TEST_INTERVAL_MIN_MINUTES} to ${TEST_INTERVAL_MAX_MINUTES} minutes`,
      })
      .openapi({ description: "0 turns scheduled tests off; else 15 to 1440 minutes" }),
  })
  .openapi("AccountTestScheduleChange");

const routes = {
  overview: createRoute({
    method: "get",
    path: "/account-tests",
    tags,
    security,
    summary: "Every account's scheduled test interval, next test and last test result",
    responses: { 200: jsonContent(overviewSchema, "Per account") },
  }),
  history: createRoute({
    method: "get",
    path: "/accounts/{id}/tests",
    tags,
    security,
    summary: "An account's test interval and its test results, newest first (the last 50 kept)",
    request: { params: idParam },
    responses: {
      200: jsonContent(historySchema, "Schedule and history"),
      404: jsonContent(errorSchema, "No such account"),
    },
  }),
  schedule: createRoute({
    method: "put",
    path: "/accounts/{id}/test-schedule",
    tags,
    security,
    summary: "Sets how often the cron tests the account (0: never); the first test runs within minutes",
    request: { params: idParam, body: jsonContent(scheduleBody, "Interval") },
    responses: {
      200: jsonContent(historySchema, "Schedule and history"),
      400: jsonContent(errorSchema, "Bad interval"),
      404: jsonContent(errorSchema, "No such account"),
    },
  }),
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const view = <T extends { v: 1 }>({ v: _v, ...rest }: T) => rest;

export function registerAccountTestSchedule(app: AdminApp) {
  app.openapi(routes.overview, async (c) => {
    const { keyspace } = services(c.env);
    const ids = (await keyspace.listAccounts()).map((a) => a.id);
    const overview = await keyspace.accountTests.overview(ids);
    const accounts = ids.map((accountId) => {
      const o = overview.get(accountId);
      return {
        accountId,
        intervalMinutes: o?.schedule?.intervalMinutes ?? null,
        nextAt: o?.schedule ? iso(o.nextAt) : null,
        last: o?.last ? view(o.last) : null,
      };
    });
    return c.json({ accounts }, 200);
  });

  const answer = async (env: Parameters<typeof services>[0], id: string) => {
    const { keyspace } = services(env);
    const [overview, history] = await Promise.all([
      keyspace.accountTests.overview([id]),
      keyspace.accountTests.history(id),
    ]);
    const o = overview.get(id);
    return {
      intervalMinutes: o?.schedule?.intervalMinutes ?? null,
      nextAt: o?.schedule ? iso(o.nextAt) : null,
      history: history.map(view),
    };
  };

  app.openapi(routes.history, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await services(c.env).keyspace.getAccount(id)))
      throw new RelayError("not_found", `No account ${id}`);
    return c.json(await answer(c.env, id), 200);
  });

  app.openapi(routes.schedule, async (c) => {
    const { id } = c.req.valid("param");
    const { intervalMinutes } = c.req.valid("json");
    const { keyspace } = services(c.env);
    if (!(await keyspace.getAccount(id))) throw new RelayError("not_found", `No account ${id}`);
    if (intervalMinutes === 0) await keyspace.accountTests.unschedule(id);
    else {
      const now = Date.now();
      // Due at once: the next cron run (within 5 minutes) tests it, then every interval.
      await keyspace.accountTests.schedule(
        id,
        { v: 1, intervalMinutes, updatedAt: new Date(now).toISOString() },
        now,
      );
    }
    return c.json(await answer(c.env, id), 200);
  });
}
