// The request log page's logic: its filters as the API's query and as the page's address (so a
// filtered view can be linked, e.g. from an account), times in the browser's zone, status tones.

export type StatusClass = "" | "2xx" | "3xx" | "4xx" | "5xx";

export interface LogFilters {
  keyId: string;
  accountId: string;
  model: string;
  status: StatusClass;
  errorsOnly: boolean;
  /** <input type="datetime-local"> values, in the browser's zone; empty = open. */
  from: string;
  to: string;
}

export const emptyFilters = (): LogFilters => ({
  keyId: "",
  accountId: "",
  model: "",
  status: "",
  errorsOnly: false,
  from: "",
  to: "",
});

const STATUS_CLASSES: readonly StatusClass[] = ["2xx", "3xx", "4xx", "5xx"];

/** A datetime-local value (browser zone) → ISO (UTC); undefined when empty or not a time. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The API's query for these filters (and a page's cursor). */
export function logQuery(
  f: LogFilters,
  cursor?: string,
  limit = 50,
): Record<string, string | number | undefined> {
  return {
    keyId: f.keyId || undefined,
    accountId: f.accountId || undefined,
    model: f.model.trim() || undefined,
    status: f.status || undefined,
    errorsOnly: f.errorsOnly ? "true" : undefined,
    from: localToIso(f.from),
    to: localToIso(f.to),
    cursor,
    limit,
  };
}

/** The filters a page address names (`?accountId=…&errorsOnly=1`); the rest empty. */
export function filtersFromSearch(search: string): LogFilters {
  const p = new URLSearchParams(search);
  const status = p.get("status") ?? "";
  return {
    keyId: p.get("keyId") ?? "",
    accountId: p.get("accountId") ?? "",
    model: p.get("model") ?? "",
    status: (STATUS_CLASSES as readonly string[]).includes(status) ? (status as StatusClass) : "",
    errorsOnly: p.get("errorsOnly") === "1",
    from: p.get("from") ?? "",
    to: p.get("to") ?? "",
  };
}

/** The page address's query for these filters ("" when none). */
export function searchOf(f: LogFilters): string {
  const p = new URLSearchParams();
  for (const field of ["keyId", "accountId", "model", "status", "from", "to"] as const) {
    if (f[field]) p.set(field, f[field]);
  }
  if (f.errorsOnly) p.set("errorsOnly", "1");
  const text = p.toString();
  return text ? `?${text}` : "";
}

/** The badge tone of a status: success, a client's error, the relay's or upstream's failure. */
export function statusTone(status: number): "active" | "warn" | "error" {
  if (status < 400) return "active";
  return status < 500 ? "warn" : "error";
}

/** "850 ms", "1.2 s", "2m 5s". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${s % 60}s`;
}

/** A request's time to the second, in the browser's zone (the page names it). */
export function formatLogTime(iso: string, locale: "en" | "zh"): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return new Intl.DateTimeFormat(locale === "zh" ? "zh-CN" : "en-US", {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  }).format(date);
}
