// Serves a built single-page app on loopback: files as they are, index.html for every other path
// (the app's routes), like Cloudflare Pages does without a 404.html — and with the headers of its
// `_headers` file for `/*`, as Pages sends them, so the browser tests run under the real policy.
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The headers of the `/*` block of a Pages `_headers` file (the only rule the build writes). */
export async function pagesHeaders(dir: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(join(dir, "_headers"), "utf8");
  } catch {
    return {};
  }
  const headers: Record<string, string> = {};
  let inAll = false;
  for (const line of text.split("\n")) {
    if (!/^\s/.test(line)) inAll = line.trim() === "/*";
    else if (inAll) {
      const colon = line.indexOf(":");
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return headers;
}

export async function serveStatic(dir: string, port = 0): Promise<StaticServer> {
  const extraHeaders = await pagesHeaders(dir);
  const server = createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const safe = normalize(pathname).replace(/^(\.\.[/\\])+/, "");
    let file = join(dir, safe);
    if (!file.startsWith(dir) || !(await isFile(file))) file = join(dir, "index.html");
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        ...extraHeaders,
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
