// The admin dashboard: a static single-page app for Cloudflare Pages (or the Worker's assets).
// `npm run build:ui` → admin-ui/dist, then one line with the bundle's size. VITE_API_BASE
// (optional) is the relay's URL when the UI is served from another origin; without it the UI
// calls its own origin.
import { gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import solid from "vite-plugin-solid";
import { pagesHeadersFile } from "../worker/http/security-headers.ts";

const relayUrl = process.env.EDGE_RELAY_URL ?? "http://127.0.0.1:8787";
const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

/** Prints the whole bundle's size and what the first page load (the login page) fetches. */
function bundleSize(): Plugin {
  let summary = "";
  return {
    name: "edge-relay-bundle-size",
    apply: "build",
    generateBundle(_options, bundle) {
      let raw = 0;
      let gzip = 0;
      const sizes = new Map<string, { raw: number; gzip: number }>();
      for (const [name, item] of Object.entries(bundle)) {
        const bytes = Buffer.from(item.type === "chunk" ? item.code : item.source);
        const size = { raw: bytes.length, gzip: gzipSync(bytes).length };
        sizes.set(name, size);
        raw += size.raw;
        gzip += size.gzip;
      }
      const first = new Set<string>();
      const visit = (name: string) => {
        const item = bundle[name];
        if (!item || first.has(name)) return;
        first.add(name);
        if (item.type === "chunk") {
          for (const css of item.viteMetadata?.importedCss ?? []) first.add(css);
          for (const imported of item.imports) visit(imported);
        }
      };
      for (const [name, item] of Object.entries(bundle))
        if (item.type === "chunk" && item.isEntry) visit(name);
      const firstGzip = [...first].reduce((sum, name) => sum + (sizes.get(name)?.gzip ?? 0), 0);
      summary = `admin-ui bundle: ${sizes.size} files, ${kB(raw)} (gzip ${kB(gzip)}); first load (login page) ${kB(firstGzip)} gzip`;
    },
    closeBundle() {
      if (summary) console.log(summary);
    },
  };
}

/** Cloudflare Pages' `_headers`: the dashboard's security headers (the same the Worker sends). */
function pagesHeaders(): Plugin {
  return {
    name: "edge-relay-pages-headers",
    apply: "build",
    generateBundle() {
      const api = process.env.VITE_API_BASE;
      const extra = api && !api.startsWith("https:") ? [new URL(api).origin] : [];
      this.emitFile({ type: "asset", fileName: "_headers", source: pagesHeadersFile(extra) });
    },
  };
}

export default defineConfig({
  plugins: [solid(), bundleSize(), pagesHeaders()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    reportCompressedSize: true,
    chunkSizeWarningLimit: 200,
  },
  // `npm run dev:ui` next to `npm run dev`: the API paths go to the relay, so the page is
  // same-origin and needs no CORS (EDGE_RELAY_URL, as the CLI reads it; default the dev relay).
  server: {
    host: "127.0.0.1",
    port: 5173,
    // "/users/" (the portal's API) and not "/users": that is the admin's Users page.
    proxy: Object.fromEntries(["/admin/", "/apiStats/", "/users/"].map((path) => [path, relayUrl])),
  },
  preview: { host: "127.0.0.1", port: 4173 },
});
