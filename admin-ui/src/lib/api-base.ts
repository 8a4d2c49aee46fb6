// Where the relay's API is: the UI's own origin by default (the Worker serves both), else the URL
// from `?api=` (remembered), a saved setting, or VITE_API_BASE at build time (Cloudflare Pages).
import { readStored, writeStored } from "./storage.ts";

export const API_BASE_STORAGE_KEY = "edge-relay.apiBase";

/** "" for the same origin, else an http(s) URL without a trailing slash; null when unusable. */
export function normalizeApiBase(raw: string | null | undefined): string | null {
  const value = (raw ?? "").trim();
  if (value === "") return "";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.search || url.hash || url.username || url.password) return null;
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

export interface ApiBaseSources {
  /** `location.search` of the page. */
  search: string;
  stored: string | null;
  /** import.meta.env.VITE_API_BASE */
  built: string | undefined;
}

/** The base to use and whether it came from `?api=` (then it should be remembered). */
export function resolveApiBase(sources: ApiBaseSources): { base: string; fromQuery: boolean } {
  const fromQuery = new URLSearchParams(sources.search).get("api");
  if (fromQuery !== null) {
    const base = normalizeApiBase(fromQuery);
    if (base !== null) return { base, fromQuery: true };
  }
  const stored = normalizeApiBase(sources.stored);
  if (sources.stored !== null && stored !== null) return { base: stored, fromQuery: false };
  return { base: normalizeApiBase(sources.built) ?? "", fromQuery: false };
}

let current: string | null = null;

/** The API base for this page; reads `?api=` once, remembers it and drops it from the address bar. */
export function apiBase(): string {
  if (current !== null) return current;
  const resolved = resolveApiBase({
    search: globalThis.location?.search ?? "",
    stored: readStored("local", API_BASE_STORAGE_KEY),
    built: import.meta.env.VITE_API_BASE,
  });
  current = resolved.base;
  if (resolved.fromQuery) {
    writeStored("local", API_BASE_STORAGE_KEY, current);
    const url = new URL(globalThis.location.href);
    url.searchParams.delete("api");
    globalThis.history?.replaceState(globalThis.history.state, "", url);
  }
  return current;
}

/** Saves a new base ("" = same origin); returns false when it is not a usable URL. */
export function setApiBase(raw: string): boolean {
  const base = normalizeApiBase(raw);
  if (base === null) return false;
  current = base;
  writeStored("local", API_BASE_STORAGE_KEY, base === "" ? null : base);
  return true;
}
