// An in-memory stand-in for the relay's admin API contract, just enough for the CLI tests.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const ADMIN = { username: "admin", password: "fake-admin-password-123" };

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

type Json = Record<string, unknown>;

export interface FakeAdmin {
  url: string;
  requests: RecordedRequest[];
  close: () => Promise<void>;
}

const DEFAULT_LIMITS = {
  tokenLimit: 0,
  concurrencyLimit: 0,
  concurrencyQueueSeconds: 0,
  rateLimitWindowMinutes: 0,
  rateLimitRequests: 0,
  rateLimitCost: 0,
  dailyCostLimit: 0,
  totalCostLimit: 0,
  weeklyCostLimit: 0,
  weeklyResetDay: 1,
  weeklyResetHour: 0,
  restrictedModels: [],
  allowedClients: [],
  permissions: [],
};

const isJson = (value: unknown): value is Json => typeof value === "object" && value !== null;

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.from(chunk));
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? undefined : JSON.parse(text);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

const fail = (response: ServerResponse, status: number, type: string, message: string): void =>
  send(response, status, { error: { type, message } });

export async function startFakeAdmin(): Promise<FakeAdmin> {
  const token = randomBytes(16).toString("hex");
  const keys = new Map<string, Json>();
  const accounts = new Map<string, Json>();
  const requests: RecordedRequest[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? "GET";
    const path = new URL(request.url ?? "/", "http://fake").pathname;
    const body = await readBody(request);
    requests.push({ method, path, body });
    const input: Json = isJson(body) ? body : {};
    const now = new Date().toISOString();

    if (method === "POST" && path === "/admin/auth/login") {
      if (input.username === ADMIN.username && input.password === ADMIN.password) {
        return send(response, 200, { token, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
      }
      return fail(response, 401, "authentication_error", "Invalid username or password");
    }
    if (request.headers.authorization !== `Bearer ${token}`) {
      return fail(response, 401, "authentication_error", "Missing or invalid admin token");
    }
    if (method === "GET" && path === "/admin/status") {
      const count = (map: Map<string, Json>) => ({
        total: map.size,
        active: [...map.values()].filter((item) => item.isActive === true).length,
      });
      return send(response, 200, {
        version: "0.1.0",
        time: now,
        keyspace: { ok: true, latencyMs: 3 },
        keys: count(keys),
        accounts: count(accounts),
      });
    }
    if (path === "/admin/keys") {
      if (method === "GET") return send(response, 200, { keys: [...keys.values()] });
      if (method === "POST") {
        if (typeof input.name !== "string" || input.name === "") {
          return fail(response, 400, "invalid_request_error", "name is required");
        }
        const secret = `cr_${randomBytes(32).toString("hex")}`;
        const key: Json = {
          id: randomUUID(),
          name: input.name,
          description: input.description ?? "",
          preview: `${secret.slice(0, 7)}…${secret.slice(-4)}`,
          isActive: true,
          tags: input.tags ?? [],
          createdAt: now,
          updatedAt: now,
          expiry: input.expiry ?? { mode: "never" },
          limits: { ...DEFAULT_LIMITS, ...(isJson(input.limits) ? input.limits : {}) },
          boundAccounts: {},
        };
        keys.set(String(key.id), key);
        return send(response, 201, { key, secret });
      }
    }
    const keyMatch = /^\/admin\/keys\/([^/]+)(?:\/(disable|enable))?$/.exec(path);
    if (keyMatch) {
      const id = decodeURIComponent(keyMatch[1] ?? "");
      const key = keys.get(id);
      if (!key) return fail(response, 404, "not_found_error", `No key with id ${id}`);
      const action = keyMatch[2];
      if (method === "POST" && action) {
        key.isActive = action === "enable";
        return send(response, 200, { key });
      }
      if (method === "GET") return send(response, 200, { key });
      if (method === "DELETE") {
        keys.delete(id);
        return send(response, 200, { deleted: true });
      }
      if (method === "PATCH") {
        const limits = isJson(input.limits) ? input.limits : {};
        Object.assign(key, input, { limits: { ...(key.limits as Json), ...limits }, updatedAt: now });
        return send(response, 200, { key });
      }
    }
    if (method === "GET" && path === "/admin/accounts") {
      return send(response, 200, { accounts: [...accounts.values()].map(({ apiKey: _, ...view }) => view) });
    }
    if (method === "POST" && path === "/admin/accounts/claude-console") {
      if (typeof input.name !== "string" || typeof input.apiKey !== "string") {
        return fail(response, 400, "invalid_request_error", "name and apiKey are required");
      }
      const account: Json = {
        id: randomUUID(),
        type: "claude-console",
        platform: "claude",
        name: input.name,
        description: input.description ?? "",
        baseUrl: input.baseUrl ?? "",
        priority: input.priority ?? 50,
        schedulable: input.schedulable ?? true,
        isActive: true,
        createdAt: now,
        updatedAt: now,
        apiKey: input.apiKey,
      };
      accounts.set(String(account.id), account);
      const { apiKey: _, ...view } = account;
      return send(response, 201, { account: view });
    }
    const testMatch = /^\/admin\/accounts\/([^/]+)\/test$/.exec(path);
    if (method === "POST" && testMatch) {
      const account = accounts.get(decodeURIComponent(testMatch[1] ?? ""));
      if (!account) return fail(response, 404, "not_found_error", "No such account");
      return send(
        response,
        200,
        account.proxy
          ? {
              ok: false,
              status: 403,
              latencyMs: 12,
              model: "claude-haiku-4-5",
              message:
                "The account's egress proxy (socks5) refused the credentials (SOCKS5 username/password)",
            }
          : { ok: true, status: 200, latencyMs: 10, model: "claude-haiku-4-5" },
      );
    }
    const accountMatch = /^\/admin\/accounts\/([^/]+)$/.exec(path);
    if (accountMatch) {
      const id = decodeURIComponent(accountMatch[1] ?? "");
      const account = accounts.get(id);
      if (!account) return fail(response, 404, "not_found_error", `No account with id ${id}`);
      if (method === "DELETE") {
        accounts.delete(id);
        return send(response, 200, { deleted: true });
      }
      if (method === "PATCH") {
        // A proxy URL goes in; the admin API shows where it is, never its credentials.
        const proxy =
          typeof input.proxy === "string"
            ? (({ protocol, hostname, port }) => ({
                type: protocol.slice(0, -1),
                host: hostname,
                port: Number(port),
              }))(new URL(input.proxy))
            : input.proxy;
        Object.assign(account, input, { updatedAt: now }, input.proxy === undefined ? {} : { proxy });
        const { apiKey: _, ...view } = account;
        return send(response, 200, { account: view });
      }
    }
    return fail(response, 404, "not_found_error", `No route ${method} ${path}`);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => fail(response, 500, "api_error", String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
