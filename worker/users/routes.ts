// The user portal under /users: a user logs in with a password and manages their own relay keys
// within the limits the admin set. OpenAPI document at /users/openapi.json. LDAP is not offered
// (a Worker cannot bind to LDAP without raw sockets; see the README).
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { uiCors } from "../admin/cors.ts";
import { clearLoginFailures, loginBlockedFor, recordLoginFailure } from "../admin/login-throttle.ts";
import { createdKey, errorSchema, keyViewSchema, loginBody } from "../admin/schemas.ts";
import { keyView } from "../admin/views.ts";
import { redeemCard } from "../cards/redeem.ts";
import { type Env, services } from "../env.ts";
import type { RelayVariables } from "../http/context.ts";
import { RelayError } from "../http/errors.ts";
import { verifyPassword } from "../keyspace/crypto.ts";
import type { RelayKeyRecord } from "../keyspace/records/relay-keys.ts";
import type { UserRecord } from "../keyspace/records/users.ts";
import { keyModelStats, keyStats, MODEL_PERIODS } from "../routes/stats.ts";
import { VERSION } from "../version.ts";
import { passwordChangeBody, userKeyBody, userViewSchema } from "./schemas.ts";
import { changeOwnPassword, createUserKey, deleteKey, keyUsage, userView } from "./service.ts";
import { issueUserToken, verifyUserToken } from "./session.ts";

type PortalEnv = { Bindings: Env; Variables: RelayVariables & { user: UserRecord } };

export const userPortal = new OpenAPIHono<PortalEnv>({
  defaultHook: (result) => {
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue?.path.length ? issue.path.join(".") : "body";
      throw new RelayError("invalid_request", `${where}: ${issue?.message ?? "invalid input"}`);
    }
  },
});

const PUBLIC_PATHS = new Set(["/users/login", "/users/openapi.json"]);
/** Checked when a name is unknown, so the answer takes as long as for a wrong password. */
const DUMMY_HASH = "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

userPortal.use("*", uiCors);
userPortal.use("*", async (c, next) => {
  c.set("protocol", "admin");
  if (!PUBLIC_PATHS.has(new URL(c.req.url).pathname)) {
    const s = services(c.env);
    const { userId, issuedAt } = await verifyUserToken(s.config, c.req.header("authorization"));
    const user = await s.keyspace.users.get(userId);
    // A password reset ends every session issued before it.
    if (!user || issuedAt < Math.floor(Date.parse(user.passwordChangedAt) / 1000)) {
      throw new RelayError("authentication", "Session is invalid or expired; log in again");
    }
    if (!user.isActive)
      throw new RelayError("permission", "Your account is disabled", { code: "user_disabled" });
    c.set("user", user);
  }
  await next();
});

const security = [{ userJwt: [] }];
const tags = ["portal"];
const idParam = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: "id", in: "path" } }),
});
const json = <T>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
const notFound = json(errorSchema, "No such key of yours");
const countersSchema = z.record(z.string(), z.number());
const sessionSchema = z.object({ token: z.string(), expiresAt: z.string(), user: userViewSchema });
/** The public stats page's answers (worker/routes/stats.ts), described loosely: one builder makes both. */
const statsSchema = z.record(z.string(), z.unknown()).openapi({
  description: "The same object /apiStats/api/user-stats answers in data: usage, limits, 30 days",
});
const modelStatsSchema = z.array(z.record(z.string(), z.unknown())).openapi({
  description: "The same list /apiStats/api/user-model-stats answers in data",
});
const periodQuery = z.object({
  period: z
    .enum(MODEL_PERIODS)
    .default("monthly")
    .openapi({ param: { name: "period", in: "query" } }),
});

const routes = {
  login: createRoute({
    method: "post",
    path: "/login",
    tags,
    summary: "Log in as a user; returns a JWT for Authorization: Bearer",
    request: { body: { content: { "application/json": { schema: loginBody } }, required: true } },
    responses: {
      200: json(sessionSchema, "Logged in"),
      401: json(errorSchema, "Wrong user name or password"),
      403: json(errorSchema, "The user is disabled"),
      429: json(errorSchema, "Too many failed attempts"),
    },
  }),
  me: createRoute({
    method: "get",
    path: "/me",
    tags,
    security,
    summary: "Who is logged in, and how many keys they hold of how many allowed",
    responses: {
      200: json(
        z.object({ user: userViewSchema, keys: z.object({ count: z.number(), max: z.number() }) }),
        "The user",
      ),
    },
  }),
  listKeys: createRoute({
    method: "get",
    path: "/keys",
    tags,
    security,
    summary: "Your relay keys",
    responses: { 200: json(z.object({ keys: z.array(keyViewSchema) }), "Keys") },
  }),
  createKey: createRoute({
    method: "post",
    path: "/keys",
    tags,
    security,
    summary: "Create a relay key (up to your maximum); the key itself is in the answer once and never again",
    request: { body: { content: { "application/json": { schema: userKeyBody } }, required: true } },
    responses: {
      201: json(createdKey, "Created"),
      403: json(errorSchema, "You hold as many keys as you may"),
    },
  }),
  getKey: createRoute({
    method: "get",
    path: "/keys/{id}",
    tags,
    security,
    request: { params: idParam },
    responses: { 200: json(z.object({ key: keyViewSchema }), "Key"), 404: notFound },
  }),
  deleteKey: createRoute({
    method: "delete",
    path: "/keys/{id}",
    tags,
    security,
    request: { params: idParam },
    responses: { 200: json(z.object({ deleted: z.literal(true) }), "Deleted"), 404: notFound },
  }),
  usage: createRoute({
    method: "get",
    path: "/keys/{id}/usage",
    tags,
    security,
    summary: "A key's usage: total, today, this month, and its recent requests",
    request: { params: idParam },
    responses: {
      200: json(
        z.object({
          total: countersSchema,
          today: countersSchema,
          month: countersSchema,
          recent: z.array(z.record(z.string(), z.unknown())),
        }),
        "Usage",
      ),
      404: notFound,
    },
  }),
  stats: createRoute({
    method: "get",
    path: "/keys/{id}/stats",
    tags,
    security,
    summary: "A key's usage, limits (with live spend) and last 30 days, as the public stats page shows them",
    request: { params: idParam },
    responses: { 200: json(z.object({ data: statsSchema }), "Stats"), 404: notFound },
  }),
  modelStats: createRoute({
    method: "get",
    path: "/keys/{id}/model-stats",
    tags,
    security,
    summary: "A key's usage per model today, this month or all time",
    request: { params: idParam, query: periodQuery },
    responses: {
      200: json(z.object({ data: modelStatsSchema, period: z.enum(MODEL_PERIODS) }), "Per model"),
      404: notFound,
    },
  }),
  redeemCard: createRoute({
    method: "post",
    path: "/keys/{id}/redeem-card",
    tags,
    security,
    summary: "Redeem a quota card for one of your keys: a booster pack or more days, each code once",
    request: {
      params: idParam,
      body: {
        content: { "application/json": { schema: z.object({ code: z.string().min(1).max(100) }).strict() } },
        required: true,
      },
    },
    responses: {
      200: json(
        z.object({
          card: z.record(z.string(), z.unknown()),
          packsLeftMicroUsd: z.number(),
          expiresAt: z.string().nullable(),
        }),
        "Redeemed",
      ),
      400: json(errorSchema, "The card was redeemed already, is disabled or expired"),
      404: json(errorSchema, "No such key of yours, or no such card"),
    },
  }),
  changePassword: createRoute({
    method: "post",
    path: "/password",
    tags,
    security,
    summary: "Change your password; ends your other sessions and answers a new one",
    request: { body: { content: { "application/json": { schema: passwordChangeBody } }, required: true } },
    responses: {
      200: json(sessionSchema, "Changed; use the new token"),
      400: json(errorSchema, "The new password is too short or the same as the old one"),
      403: json(errorSchema, "The current password is wrong (wrong_password)"),
      429: json(errorSchema, "Too many wrong current passwords"),
    },
  }),
};

/** One of the user's keys; anybody else's (or none) is a 404, never a 403: ids are not revealed. */
async function ownKey(env: Env, user: UserRecord, id: string): Promise<RelayKeyRecord> {
  const record = await services(env).keyspace.getRelayKey(id);
  if (!record || record.ownerId !== user.id) throw new RelayError("not_found", `No key ${id} of yours`);
  return record;
}

userPortal.openapi(routes.login, async (c) => {
  const { username, password } = c.req.valid("json");
  const s = services(c.env);
  const throttleIds = [
    `user-ip:${c.req.header("cf-connecting-ip") ?? "local"}`,
    `user-name:${username.toLowerCase()}`,
  ];
  const waitMs = loginBlockedFor(throttleIds);
  if (waitMs > 0) {
    throw new RelayError("rate_limit", "Too many failed login attempts; try again later", {
      headers: { "retry-after": String(Math.ceil(waitMs / 1000)) },
    });
  }
  const user = await s.keyspace.users.findByName(username);
  const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !valid) {
    recordLoginFailure(throttleIds);
    throw new RelayError("authentication", "Wrong user name or password");
  }
  clearLoginFailures(throttleIds);
  if (!user.isActive)
    throw new RelayError("permission", "Your account is disabled", { code: "user_disabled" });
  const updated = { ...user, lastLoginAt: new Date().toISOString() };
  await s.keyspace.users.put(updated);
  return c.json({ ...(await issueUserToken(s.config, user.id)), user: userView(updated) }, 200);
});

userPortal.openapi(routes.me, async (c) => {
  const user = c.get("user");
  const owned = await services(c.env).keyspace.relayKeysOwnedBy(user.id);
  return c.json({ user: userView(user), keys: { count: owned.length, max: user.maxKeys } }, 200);
});

userPortal.openapi(routes.listKeys, async (c) => {
  const owned = await services(c.env).keyspace.relayKeysOwnedBy(c.get("user").id);
  return c.json({ keys: owned.map(keyView) }, 200);
});

userPortal.openapi(routes.createKey, async (c) => {
  const { record, key } = await createUserKey(services(c.env), c.get("user"), c.req.valid("json"));
  return c.json({ key: keyView(record), secret: key }, 201);
});

userPortal.openapi(routes.getKey, async (c) =>
  c.json({ key: keyView(await ownKey(c.env, c.get("user"), c.req.valid("param").id)) }, 200),
);

userPortal.openapi(routes.deleteKey, async (c) => {
  const record = await ownKey(c.env, c.get("user"), c.req.valid("param").id);
  await deleteKey(c.env, services(c.env), record);
  return c.json({ deleted: true as const }, 200);
});

userPortal.openapi(routes.usage, async (c) => {
  const record = await ownKey(c.env, c.get("user"), c.req.valid("param").id);
  return c.json(await keyUsage(services(c.env), record.id), 200);
});

userPortal.openapi(routes.stats, async (c) => {
  const record = await ownKey(c.env, c.get("user"), c.req.valid("param").id);
  return c.json({ data: await keyStats(c.env, record) }, 200);
});

userPortal.openapi(routes.modelStats, async (c) => {
  const record = await ownKey(c.env, c.get("user"), c.req.valid("param").id);
  const { period } = c.req.valid("query");
  return c.json({ data: await keyModelStats(c.env, record, period), period }, 200);
});

userPortal.openapi(routes.redeemCard, async (c) => {
  const record = await ownKey(c.env, c.get("user"), c.req.valid("param").id);
  return c.json(await redeemCard(c.env, record, c.req.valid("json").code), 200);
});

userPortal.openapi(routes.changePassword, async (c) => {
  const user = c.get("user");
  const { currentPassword, newPassword } = c.req.valid("json");
  const s = services(c.env);
  const updated = await changeOwnPassword(s, user, currentPassword, newPassword);
  return c.json({ ...(await issueUserToken(s.config, user.id)), user: userView(updated) }, 200);
});

userPortal.openAPIRegistry.registerComponent("securitySchemes", "userJwt", {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
});

userPortal.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: { title: "edge-relay user portal API", version: VERSION },
});
