// fetch for the relay's JSON APIs. Errors become ApiError with the API's own message:
// the admin API answers {"error":{"type","message"}}, the stats API {"success":false,"error":"…"}.

export class ApiError extends Error {
  readonly status: number;
  /** The API's error type, or "network" when the relay could not be reached. */
  readonly type: string;
  readonly retryAfter: number | null;

  constructor(status: number, type: string, message: string, retryAfter: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = type;
    this.retryAfter = retryAfter;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The error an API answered with, whatever its shape. */
export function errorFromBody(status: number, body: unknown, retryAfter: string | null = null): ApiError {
  const wait = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null;
  if (isRecord(body)) {
    const error = body.error;
    if (isRecord(error) && typeof error.message === "string") {
      return new ApiError(status, typeof error.type === "string" ? error.type : "error", error.message, wait);
    }
    if (typeof error === "string") return new ApiError(status, "error", error, wait);
    if (typeof body.message === "string") return new ApiError(status, "error", body.message, wait);
  }
  return new ApiError(status, "error", `HTTP ${status}`, wait);
}

export interface RequestOptions {
  body?: unknown;
  token?: string | null;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
}

export function buildUrl(base: string, path: string, query?: RequestOptions["query"]): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(name, String(value));
  }
  const qs = params.toString();
  return `${base}${path}${qs ? `?${qs}` : ""}`;
}

export async function requestJson<T>(
  base: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(buildUrl(base, path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", base || globalThis.location?.origin || "");
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw errorFromBody(response.status, parsed, response.headers.get("retry-after"));
  if (parsed === null && text) throw new ApiError(response.status, "bad_response", text.slice(0, 200));
  return parsed as T;
}
