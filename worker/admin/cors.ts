// CORS for the admin dashboard when it is served from another origin (Cloudflare Pages): only the
// origins in ADMIN_UI_ORIGIN (comma-separated) may call the admin API and the public stats API
// from a browser. Credentials travel in the Authorization header, never in cookies, so
// Access-Control-Allow-Credentials is not sent. Without ADMIN_UI_ORIGIN no CORS header is ever set.
import type { MiddlewareHandler } from "hono";
import type { Env } from "../env.ts";

const ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
const ALLOW_HEADERS = "authorization, content-type";
const MAX_AGE_SECONDS = "600";

/** The configured origins, normalised (`https://a.example` without a trailing slash). */
export function allowedOrigins(setting: string | undefined): Set<string> {
  const origins = new Set<string>();
  for (const part of (setting ?? "").split(",")) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    try {
      origins.add(new URL(trimmed).origin);
    } catch {
      // A malformed entry allows nothing.
    }
  }
  return origins;
}

const cache = new Map<string, Set<string>>();
function originsOf(setting: string | undefined): Set<string> {
  const key = setting ?? "";
  let found = cache.get(key);
  if (!found) {
    found = allowedOrigins(setting);
    cache.set(key, found);
  }
  return found;
}

export const uiCors: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const origin = c.req.header("origin");
  const allowed = origin !== undefined && originsOf(c.env.ADMIN_UI_ORIGIN).has(origin);
  if (c.req.method === "OPTIONS" && origin !== undefined && c.req.header("access-control-request-method")) {
    // A preflight: answered here, before any authentication.
    const headers = new Headers({ vary: "Origin" });
    if (allowed) {
      headers.set("access-control-allow-origin", origin);
      headers.set("access-control-allow-methods", ALLOW_METHODS);
      headers.set("access-control-allow-headers", ALLOW_HEADERS);
      headers.set("access-control-max-age", MAX_AGE_SECONDS);
    }
    return new Response(null, { status: allowed ? 204 : 403, headers });
  }
  await next();
  if (allowed) {
    c.res.headers.set("access-control-allow-origin", origin);
    c.res.headers.append("vary", "Origin");
    c.res.headers.set("access-control-expose-headers", "retry-after, x-request-id");
  }
};
