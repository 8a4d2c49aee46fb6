// What the admin API shows of stored records: never a hash, never a credential.
import type { AccountRecord } from "../keyspace/records/accounts.ts";
import type { RelayKeyRecord } from "../keyspace/records/relay-keys.ts";
import { proxyView } from "../proxy/sealed.ts";

export function keyView(record: RelayKeyRecord) {
  const { hash: _hash, v: _v, ...view } = record;
  return view;
}
export type KeyView = ReturnType<typeof keyView>;

export function accountView(record: AccountRecord) {
  const { credentials: _credentials, v: _v, proxy, ...view } = record;
  return { ...view, proxy: proxyView(proxy) };
}
export type AccountView = ReturnType<typeof accountView>;
