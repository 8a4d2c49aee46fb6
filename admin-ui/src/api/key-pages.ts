// The Keys page's admin API for many keys (worker/admin/keys.ts, key-batch.ts): a page searched
// and sorted on the server, batch create / edit / delete / restore, tags across keys, retention.
import { call } from "./admin.ts";
import type { Schemas } from "./generated.ts";

export type KeyRow = Schemas["RelayKeyRow"];
export type KeyPage = Omit<Schemas["KeyList"], "keys"> & { keys: KeyRow[] };
export type KeyBatchEdit = Schemas["KeyBatchEdit"];
export type KeyBatchCreate = Schemas["KeyBatchCreate"];
export type KeyBatchResult = Schemas["KeyBatchResult"];
export type CreatedKey = Schemas["CreatedRelayKey"];
export type KeySort = "createdAt" | "name" | "status" | "lastUsed" | "costToday" | "costTotal";
export type KeyStatusFilter = "all" | "active" | "disabled" | "expired" | "deleted";

export interface KeyPageQuery {
  page: number;
  pageSize: number;
  q: string;
  tag: string;
  status: KeyStatusFilter;
  sort: KeySort;
  order: "asc" | "desc";
}

const id = encodeURIComponent;

export const keyPagesApi = {
  page: (query: KeyPageQuery) =>
    call<KeyPage>("GET", "/keys", {
      query: { ...query, q: query.q.trim() || undefined, tag: query.tag || undefined },
    }),
  batchCreate: async (body: KeyBatchCreate) =>
    (await call<{ keys: CreatedKey[] }>("POST", "/keys/batch", { body })).keys,
  batchEdit: (body: KeyBatchEdit) => call<KeyBatchResult>("POST", "/keys/batch-edit", { body }),
  batchDelete: (ids: string[], purge = false) =>
    call<KeyBatchResult>("POST", "/keys/batch-delete", { body: { ids, purge } }),
  batchRestore: (ids: string[]) => call<KeyBatchResult>("POST", "/keys/batch-restore", { body: { ids } }),
  restore: (keyId: string) => call<{ key: Schemas["RelayKey"] }>("POST", `/keys/${id(keyId)}/restore`),
  purge: (keyId: string) =>
    call<{ deleted: true }>("DELETE", `/keys/${id(keyId)}`, { query: { purge: "true" } }),
  renameTag: (from: string, to: string) =>
    call<KeyBatchResult>("POST", "/keys/tags/rename", { body: { from, to } }),
  deleteTag: (tag: string) => call<KeyBatchResult>("POST", "/keys/tags/delete", { body: { tag } }),
  settings: () => call<Schemas["KeySettings"]>("GET", "/key-settings"),
  putSettings: (retentionDays: number) =>
    call<Schemas["KeySettings"]>("PUT", "/key-settings", { body: { retentionDays } }),
};
