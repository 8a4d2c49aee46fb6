// Route patterns ("/keys/:id") matched against paths; pure, so tests can run it in Node.

export type Params = Record<string, string>;

export function matchRoute(pattern: string, path: string): Params | null {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i] ?? "";
    const actual = have[i] ?? "";
    if (part.startsWith(":")) {
      try {
        params[part.slice(1)] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (part !== actual) {
      return null;
    }
  }
  return params;
}

/** The app path of a location path under the app's base ("/" or "/admin-ui/"). */
export function stripBase(base: string, pathname: string): string {
  const prefix = base.replace(/\/+$/, "");
  if (prefix && (pathname === prefix || pathname.startsWith(`${prefix}/`))) {
    return pathname.slice(prefix.length) || "/";
  }
  return pathname || "/";
}

export function withBase(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path.startsWith("/") ? path : `/${path}`}`;
}
