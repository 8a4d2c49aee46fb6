// The user portal API (worker/users/routes.ts), one function per route. A 401 ends the session.
import type { ModelPeriod, ModelStat, RelayKey, User, UserStats } from "../../api/types.ts";
import { apiBase } from "../../lib/api-base.ts";
import { ApiError, type RequestOptions, requestJson } from "../../lib/http.ts";
import type { PortalKeyInput } from "../../lib/portal-keys.ts";
import { expirePortal, portalSession, startPortalSession } from "./session.ts";

export interface PortalMe {
  user: User;
  keys: { count: number; max: number };
}

interface SessionAnswer {
  token: string;
  expiresAt: string;
  user: User;
}

async function call<T>(
  method: string,
  path: string,
  options: Omit<RequestOptions, "token"> = {},
): Promise<T> {
  try {
    return await requestJson<T>(apiBase(), method, `/users${path}`, {
      ...options,
      token: portalSession()?.token,
    });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) expirePortal();
    throw error;
  }
}

const keyPath = (id: string) => `/keys/${encodeURIComponent(id)}`;

export const portalApi = {
  login: async (username: string, password: string) => {
    const answer = await requestJson<SessionAnswer>(apiBase(), "POST", "/users/login", {
      body: { username, password },
    });
    startPortalSession(answer.token, answer.user.username, answer.expiresAt);
  },
  me: () => call<PortalMe>("GET", "/me"),
  keys: () => call<{ keys: RelayKey[] }>("GET", "/keys").then((a) => a.keys),
  key: (id: string) => call<{ key: RelayKey }>("GET", keyPath(id)).then((a) => a.key),
  createKey: (input: PortalKeyInput) =>
    call<{ key: RelayKey; secret: string }>("POST", "/keys", { body: input }),
  deleteKey: (id: string) => call<{ deleted: true }>("DELETE", keyPath(id)),
  redeemCard: (id: string, code: string) =>
    call<unknown>("POST", `${keyPath(id)}/redeem-card`, { body: { code } }),
  stats: (id: string) => call<{ data: UserStats }>("GET", `${keyPath(id)}/stats`).then((a) => a.data),
  modelStats: (id: string, period: ModelPeriod) =>
    call<{ data: ModelStat[] }>("GET", `${keyPath(id)}/model-stats`, { query: { period } }).then(
      (a) => a.data,
    ),
  changePassword: async (currentPassword: string, newPassword: string) => {
    const answer = await call<SessionAnswer>("POST", "/password", { body: { currentPassword, newPassword } });
    startPortalSession(answer.token, answer.user.username, answer.expiresAt);
  },
};
