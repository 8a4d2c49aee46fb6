// Cap'n Proto configs for bare `workerd serve`: the relay built by `wrangler deploy --dry-run`
// (what wrangler dev would otherwise set up: outbound network, SQLite Durable Objects on disk,
// vars and secrets as text bindings), and a hello-world Worker as the ceiling.
import { readdirSync, readFileSync } from "node:fs";
import { extname, join, relative } from "node:path";

export interface WranglerConfig {
  main: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  vars: Record<string, string>;
  /** Binding name → class name. */
  durableObjects: { name: string; className: string }[];
}

/** Drops `//` and `/* *\/` comments and trailing commas outside strings. */
export function stripJsonc(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      out += ch;
      i++;
    }
  }
  return out.replace(/,(\s*[}\]])/g, "$1");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function readWranglerConfig(path: string): WranglerConfig {
  const raw: unknown = JSON.parse(stripJsonc(readFileSync(path, "utf8")));
  if (!isRecord(raw)) throw new Error(`${path}: not a JSON object`);
  const vars: Record<string, string> = {};
  if (isRecord(raw.vars)) {
    for (const [name, value] of Object.entries(raw.vars)) {
      vars[name] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  const durableObjects: { name: string; className: string }[] = [];
  const doSection = raw.durable_objects;
  if (isRecord(doSection) && Array.isArray(doSection.bindings)) {
    for (const binding of doSection.bindings) {
      if (isRecord(binding) && typeof binding.name === "string" && typeof binding.class_name === "string") {
        durableObjects.push({ name: binding.name, className: binding.class_name });
      }
    }
  }
  const flags = Array.isArray(raw.compatibility_flags)
    ? raw.compatibility_flags.filter((f): f is string => typeof f === "string")
    : [];
  return {
    main: typeof raw.main === "string" ? raw.main : "",
    compatibilityDate: typeof raw.compatibility_date === "string" ? raw.compatibility_date : "2026-08-22",
    compatibilityFlags: flags,
    vars,
    durableObjects,
  };
}

/** A Cap'n Proto text literal. */
export function capnpString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

const list = (items: string[], indent: string) =>
  items.length === 0 ? "[]" : `[\n${items.map((item) => `${indent}  ${item}`).join(",\n")},\n${indent}]`;

/**
 * The modules of a wrangler `--outdir` build: the entry first, then every other file it may import.
 * `embed` paths are relative to the config file's directory (an absolute one would be looked up
 * under Cap'n Proto's import roots, not the file system root).
 */
export function buildModules(outDir: string, configDir: string, entry = "index.js"): string[] {
  const files = readdirSync(outDir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(outDir.length + 1))
    .filter((name) => name !== entry && !name.endsWith(".map") && name !== "README.md")
    .sort();
  const module = (name: string): string | null => {
    const path = capnpString(relative(configDir, join(outDir, name)));
    const ext = extname(name);
    if (ext === ".js" || ext === ".mjs") return `(name = ${capnpString(name)}, esModule = embed ${path})`;
    if (ext === ".cjs") return `(name = ${capnpString(name)}, commonJsModule = embed ${path})`;
    if (ext === ".wasm") return `(name = ${capnpString(name)}, wasm = embed ${path})`;
    if (ext === ".txt" || ext === ".html") return `(name = ${capnpString(name)}, text = embed ${path})`;
    if (ext === ".json") return `(name = ${capnpString(name)}, json = embed ${path})`;
    if (ext === ".bin") return `(name = ${capnpString(name)}, data = embed ${path})`;
    return null;
  };
  const entryModule = module(entry);
  if (!entryModule) throw new Error(`unexpected entry module ${entry}`);
  return [entryModule, ...files.map(module).filter((m): m is string => m !== null)];
}

export interface RelayConfigOptions {
  /** wrangler's `--outdir`, absolute. */
  outDir: string;
  wrangler: WranglerConfig;
  /** Text bindings beyond the config's vars (secrets); they win over vars of the same name. */
  secrets: Record<string, string>;
  port: number;
  /** Where the config file will be written (embed paths are relative to it). */
  configDir: string;
  /** Absolute, writable: Durable Object SQLite files go here. */
  storageDir: string;
  /** Compatibility date to run with (workerd refuses dates newer than itself). */
  compatibilityDate: string;
}

const NETWORK_SERVICE = `(name = "internet", network = (allow = ["public", "private", "local"]))`;

export function relayWorkerdConfig(options: RelayConfigOptions): string {
  const text = { ...options.wrangler.vars, ...options.secrets };
  const bindings = [
    ...Object.entries(text).map(
      ([name, value]) => `(name = ${capnpString(name)}, text = ${capnpString(value)})`,
    ),
    ...options.wrangler.durableObjects.map(
      (d) =>
        `(name = ${capnpString(d.name)}, durableObjectNamespace = (className = ${capnpString(d.className)}))`,
    ),
  ];
  const classes = [...new Set(options.wrangler.durableObjects.map((d) => d.className))];
  const namespaces = classes.map(
    (className) =>
      `(className = ${capnpString(className)}, uniqueKey = ${capnpString(`edge-relay-bench-${className}`)}, enableSql = true)`,
  );
  return `# Generated by bench/run.ts: the relay on bare workerd.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .relay),
    ${NETWORK_SERVICE},
    (name = "do-disk", disk = (path = ${capnpString(options.storageDir)}, writable = true)),
  ],
  sockets = [(name = "http", address = ${capnpString(`127.0.0.1:${options.port}`)}, http = (), service = "main")],
);

const relay :Workerd.Worker = (
  modules = ${list(buildModules(options.outDir, options.configDir), "  ")},
  compatibilityDate = ${capnpString(options.compatibilityDate)},
  compatibilityFlags = ${list(options.wrangler.compatibilityFlags.map(capnpString), "  ")},
  bindings = ${list(bindings, "  ")},
  durableObjectNamespaces = ${list(namespaces, "  ")},
  durableObjectStorage = (localDisk = "do-disk"),
  globalOutbound = "internet",
);
`;
}

export const HELLO_WORKER = `export default { fetch() { return new Response("ok"); } };\n`;

export function helloWorkerdConfig(options: {
  /** Relative to the config file. */
  modulePath: string;
  port: number;
  compatibilityDate: string;
}): string {
  return `# Generated by bench/run.ts: the hello-world ceiling.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .hello)],
  sockets = [(name = "http", address = ${capnpString(`127.0.0.1:${options.port}`)}, http = (), service = "main")],
);

const hello :Workerd.Worker = (
  modules = [(name = "hello.js", esModule = embed ${capnpString(options.modulePath)})],
  compatibilityDate = ${capnpString(options.compatibilityDate)},
  compatibilityFlags = ["nodejs_compat"],
);
`;
}
