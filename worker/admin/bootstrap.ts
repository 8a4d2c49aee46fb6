// First start: create the admin credential (random password, stored hashed) unless one exists.
// Used by the local stack (dev/stack.ts) and the operator's first-run script.
import { hashPassword, randomBytes, randomPassword, toHex } from "../keyspace/crypto.ts";
import type { Keyspace } from "../keyspace/store.ts";

export interface AdminLogin {
  username: string;
  password: string;
}

export type BootstrapResult = { created: true; login: AdminLogin } | { created: false; username: string };

export async function ensureAdminCredential(
  keyspace: Keyspace,
  wanted: Partial<AdminLogin> = {},
): Promise<BootstrapResult> {
  const existing = await keyspace.getAdminCredential();
  if (existing) return { created: false, username: existing.username };
  const login: AdminLogin = {
    username: wanted.username ?? `cr_admin_${toHex(randomBytes(4))}`,
    password: wanted.password ?? randomPassword(20),
  };
  const created = await keyspace.createAdminCredential({
    v: 1,
    username: login.username,
    passwordHash: await hashPassword(login.password),
    createdAt: new Date().toISOString(),
  });
  if (!created) {
    const winner = await keyspace.getAdminCredential();
    return { created: false, username: winner?.username ?? login.username };
  }
  return { created: true, login };
}
