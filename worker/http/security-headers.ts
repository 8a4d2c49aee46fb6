// Security headers of the admin dashboard's pages, wherever they are served from: the Worker
// (single origin, worker/index.ts) or Cloudflare Pages (a `_headers` file written by the UI
// build, admin-ui/vite.config.ts). The app loads only its own scripts; styles may be inline
// (style attributes set by Solid and uPlot); the branding logo may be any https or data: image.

/** Where the dashboard may send API calls: its own origin, and on Pages the relay's. */
export function dashboardSecurityHeaders(
  connectSources: readonly string[] = ["'self'"],
): Record<string, string> {
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "font-src 'self' data:",
    `connect-src ${connectSources.join(" ")}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  return {
    "content-security-policy": policy,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
  };
}

/**
 * On Pages the relay's URL is chosen at run time (`?api=`, a saved setting, VITE_API_BASE), so
 * any https origin may be called, plus loopback for local use.
 */
export const PAGES_CONNECT_SOURCES = ["'self'", "https:", "http://127.0.0.1:*", "http://localhost:*"];

/** The same headers in Cloudflare Pages' `_headers` format, for every path. */
export function pagesHeadersFile(extraConnectSources: readonly string[] = []): string {
  const headers = dashboardSecurityHeaders([...PAGES_CONNECT_SOURCES, ...extraConnectSources]);
  const lines = Object.entries(headers).map(([name, value]) => `  ${name}: ${value}`);
  return `/*\n${lines.join("\n")}\n`;
}
