// Admin: portal users — list, create, change (max keys, default key limits), disable / enable
// (carried onto their keys), reset a password, and list a user's keys.
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import { keyLimitsSchema } from "../keyspace/records/relay-keys.ts";
import type { UserRecord } from "../keyspace/records/users.ts";
import {
  adminUserViewSchema,
  newUserBody,
  passwordResetBody,
  userChangesBody,
  userViewSchema,
} from "../users/schemas.ts";
import { createUser, resetPassword, setUserActive, userView } from "../users/service.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { errorSchema, idParam, keyViewSchema } from "./schemas.ts";
import { keyView } from "./views.ts";

const security = [{ adminJwt: [] }];
const tags = ["users"];
const notFound = jsonContent(errorSchema, "No such user");
const userResult = z.object({ user: userViewSchema });
const withPassword = z.object({
  user: userViewSchema,
  password: z.string().optional().openapi({ description: "The generated password; shown only once" }),
});

const routes = {
  list: createRoute({
    method: "get",
    path: "/users",
    tags,
    security,
    summary: "List portal users, each with how many keys they hold",
    responses: { 200: jsonContent(z.object({ users: z.array(adminUserViewSchema) }), "Users") },
  }),
  create: createRoute({
    method: "post",
    path: "/users",
    tags,
    security,
    summary: "Create a user; without a password one is generated and shown once",
    request: { body: { content: { "application/json": { schema: newUserBody } }, required: true } },
    responses: {
      201: jsonContent(withPassword, "Created"),
      409: jsonContent(errorSchema, "The user name is taken"),
    },
  }),
  get: createRoute({
    method: "get",
    path: "/users/{id}",
    tags,
    security,
    request: { params: idParam },
    responses: { 200: jsonContent(userResult, "User"), 404: notFound },
  }),
  update: createRoute({
    method: "patch",
    path: "/users/{id}",
    tags,
    security,
    summary: "Change a user; `keyLimits` are merged into the defaults for keys they create from now on",
    request: {
      params: idParam,
      body: { content: { "application/json": { schema: userChangesBody } }, required: true },
    },
    responses: { 200: jsonContent(userResult, "User"), 404: notFound },
  }),
  disable: createRoute({
    method: "post",
    path: "/users/{id}/disable",
    tags,
    security,
    summary: "Disable a user: they cannot log in and every key they own is refused at once",
    request: { params: idParam },
    responses: {
      200: jsonContent(z.object({ user: userViewSchema, keysChanged: z.number() }), "User"),
      404: notFound,
    },
  }),
  enable: createRoute({
    method: "post",
    path: "/users/{id}/enable",
    tags,
    security,
    summary: "Enable a user: their keys work again (each as it was)",
    request: { params: idParam },
    responses: {
      200: jsonContent(z.object({ user: userViewSchema, keysChanged: z.number() }), "User"),
      404: notFound,
    },
  }),
  resetPassword: createRoute({
    method: "post",
    path: "/users/{id}/reset-password",
    tags,
    security,
    summary: "Set a new password (generated and shown once when left out); ends the user's sessions",
    request: {
      params: idParam,
      body: { content: { "application/json": { schema: passwordResetBody } }, required: false },
    },
    responses: { 200: jsonContent(withPassword, "Password changed"), 404: notFound },
  }),
  keys: createRoute({
    method: "get",
    path: "/users/{id}/keys",
    tags,
    security,
    summary: "The keys a user owns",
    request: { params: idParam },
    responses: { 200: jsonContent(z.object({ keys: z.array(keyViewSchema) }), "Keys"), 404: notFound },
  }),
};

async function mustGet(env: Parameters<typeof services>[0], id: string): Promise<UserRecord> {
  const user = await services(env).keyspace.users.get(id);
  if (!user) throw new RelayError("not_found", `No user ${id}`);
  return user;
}

export function registerUsers(app: AdminApp) {
  app.openapi(routes.list, async (c) => {
    const { keyspace } = services(c.env);
    const [users, keys] = await Promise.all([keyspace.users.list(), keyspace.listRelayKeys()]);
    const counts = new Map<string, number>();
    for (const key of keys) if (key.ownerId) counts.set(key.ownerId, (counts.get(key.ownerId) ?? 0) + 1);
    return c.json({ users: users.map((u) => ({ ...userView(u), keyCount: counts.get(u.id) ?? 0 })) }, 200);
  });

  app.openapi(routes.create, async (c) => {
    const { user, generatedPassword } = await createUser(services(c.env), c.req.valid("json"));
    return c.json({ user: userView(user), password: generatedPassword }, 201);
  });

  app.openapi(routes.get, async (c) =>
    c.json({ user: userView(await mustGet(c.env, c.req.valid("param").id)) }, 200),
  );

  app.openapi(routes.update, async (c) => {
    const user = await mustGet(c.env, c.req.valid("param").id);
    const { keyLimits, ...changes } = c.req.valid("json");
    const updated: UserRecord = {
      ...user,
      ...changes,
      keyLimits: keyLimitsSchema.parse({ ...user.keyLimits, ...keyLimits }),
      updatedAt: new Date().toISOString(),
    };
    await services(c.env).keyspace.users.put(updated);
    return c.json({ user: userView(updated) }, 200);
  });

  for (const [route, isActive] of [
    [routes.disable, false],
    [routes.enable, true],
  ] as const) {
    app.openapi(route, async (c) => {
      const user = await mustGet(c.env, c.req.valid("param").id);
      const result = await setUserActive(c.env, services(c.env), user, isActive);
      return c.json({ user: userView(result.user), keysChanged: result.keysChanged }, 200);
    });
  }

  app.openapi(routes.resetPassword, async (c) => {
    const user = await mustGet(c.env, c.req.valid("param").id);
    // The body is optional: without one, a password is generated.
    const body = c.req.valid("json") as { password?: string } | undefined;
    const result = await resetPassword(services(c.env), user, body?.password);
    return c.json({ user: userView(result.user), password: result.generatedPassword }, 200);
  });

  app.openapi(routes.keys, async (c) => {
    const user = await mustGet(c.env, c.req.valid("param").id);
    const owned = await services(c.env).keyspace.relayKeysOwnedBy(user.id);
    return c.json({ keys: owned.map(keyView) }, 200);
  });
}
