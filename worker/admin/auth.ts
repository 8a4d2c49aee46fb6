import { createRoute } from "@hono/zod-openapi";
import { services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import { verifyPassword } from "../keyspace/crypto.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { clearLoginFailures, loginBlockedFor, recordLoginFailure } from "./login-throttle.ts";
import { errorSchema, loginBody, loginResult } from "./schemas.ts";
import { issueAdminToken } from "./session.ts";

const login = createRoute({
  method: "post",
  path: "/auth/login",
  tags: ["auth"],
  summary: "Log in as the admin; returns a JWT for Authorization: Bearer",
  request: { body: { content: { "application/json": { schema: loginBody } }, required: true } },
  responses: {
    200: jsonContent(loginResult, "Logged in"),
    401: jsonContent(errorSchema, "Wrong user name or password"),
    429: jsonContent(errorSchema, "Too many failed attempts"),
  },
});

export function registerAuth(app: AdminApp) {
  app.openapi(login, async (c) => {
    const { username, password } = c.req.valid("json");
    const s = services(c.env);
    const throttleIds = [`ip:${c.req.header("cf-connecting-ip") ?? "local"}`, `user:${username}`];
    const waitMs = loginBlockedFor(throttleIds);
    if (waitMs > 0) {
      throw new RelayError("rate_limit", "Too many failed login attempts; try again later", {
        headers: { "retry-after": String(Math.ceil(waitMs / 1000)) },
      });
    }
    const credential = await s.keyspace.getAdminCredential();
    const valid =
      credential !== null &&
      credential.username === username &&
      (await verifyPassword(password, credential.passwordHash));
    if (!valid) {
      recordLoginFailure(throttleIds);
      throw new RelayError("authentication", "Wrong user name or password");
    }
    clearLoginFailures(throttleIds);
    return c.json(await issueAdminToken(s.config, username), 200);
  });
}
