// The relay key as Hono middleware: `relayKey` authenticates the request once and sets the key on
// the context (`c.var.relayKey`), as Hono's own auth middleware set theirs; `requirePermission`
// refuses a key without the route's platform. A refusal is thrown as a RelayError and rendered by
// app.onError in the protocol the route group set before (`c.var.protocol`), so a route group sets
// its protocol first and these come after it, on each route that takes a key: a path no route
// answers stays a 404 without a key lookup.
import { createMiddleware } from "hono/factory";
import { type Env, services } from "../env.ts";
import type { KeyedVariables } from "../http/context.ts";
import { RelayError } from "../http/errors.ts";
import type { Platform } from "../keyspace/records/common.ts";
import { authenticate, extractRelayKey } from "./auth.ts";
import { mayUsePlatform, notPermittedMessage } from "./permission.ts";

export type KeyedEnv = { Bindings: Env; Variables: KeyedVariables };

/** Cached in the isolate (auth.ts): a warm key costs no keyspace round trip. */
export const relayKey = createMiddleware<KeyedEnv>(async (c, next) => {
  const rawKey = extractRelayKey(c.req.raw, new URL(c.req.url));
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  c.set("relayKey", await authenticate(services(c.env), rawKey, waitUntil));
  await next();
});

/**
 * For the routes that answer themselves (model lists, key info, Code Assist setup). A relayed
 * request is checked by the KeyGate instead, against the newest limits rather than this isolate's
 * cached copy of the key.
 */
export function requirePermission(platform: Platform) {
  return createMiddleware<KeyedEnv>(async (c, next) => {
    if (!mayUsePlatform(c.var.relayKey.limits, platform)) {
      throw new RelayError("permission", notPermittedMessage(platform));
    }
    await next();
  });
}
