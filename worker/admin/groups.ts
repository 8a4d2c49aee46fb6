// Account groups: CRUD, membership, and the check every key binding passes (an account or a
// `group:<id>` of the binding's platform). A change reloads the platform's AccountPool, which
// keeps the membership in memory so that scheduling never reads the keyspace for it.
import { createRoute, z } from "@hono/zod-openapi";
import { type Env, services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import {
  type AccountGroupRecord,
  accountGroupRecordSchema,
  GROUP_BINDING_PREFIX,
  groupIdOfBinding,
} from "../keyspace/records/account-groups.ts";
import { PLATFORMS, type Platform, platformSchema } from "../keyspace/records/common.ts";
import type { Keyspace } from "../keyspace/store.ts";
import { accountsChanged } from "../relay/schedule.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { errorSchema, idParam } from "./schemas.ts";

const security = [{ adminJwt: [] }];
const tags = ["groups"];
const notFound = jsonContent(errorSchema, "No such group");

const groupViewSchema = accountGroupRecordSchema
  .omit({ v: true })
  .extend({ boundKeys: z.array(z.object({ id: z.string(), name: z.string() })) })
  .openapi("AccountGroup");
const groupResult = z.object({ group: groupViewSchema });

const memberIds = z.array(z.string().min(1).max(200)).max(1000);
const newGroupBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    platform: platformSchema,
    description: z.string().max(2000).optional(),
    memberIds: memberIds.optional(),
  })
  .strict()
  .openapi("NewAccountGroup");
// As in the original, a group's platform never changes: its members and bound keys depend on it.
const groupChangesBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2000).optional(),
    memberIds: memberIds.optional(),
  })
  .strict()
  .openapi("AccountGroupChanges");

const routes = {
  list: createRoute({
    method: "get",
    path: "/groups",
    tags,
    security,
    summary: "List account groups, with their members and the keys bound to each",
    request: { query: z.object({ platform: platformSchema.optional() }) },
    responses: { 200: jsonContent(z.object({ groups: z.array(groupViewSchema) }), "Groups") },
  }),
  create: createRoute({
    method: "post",
    path: "/groups",
    tags,
    security,
    summary: "Create an account group of one platform",
    request: { body: { content: { "application/json": { schema: newGroupBody } }, required: true } },
    responses: { 201: jsonContent(groupResult, "Created"), 400: jsonContent(errorSchema, "Invalid") },
  }),
  get: createRoute({
    method: "get",
    path: "/groups/{id}",
    tags,
    security,
    request: { params: idParam },
    responses: { 200: jsonContent(groupResult, "Group"), 404: notFound },
  }),
  update: createRoute({
    method: "patch",
    path: "/groups/{id}",
    tags,
    security,
    summary: "Rename a group, change its description, or replace its members",
    request: {
      params: idParam,
      body: { content: { "application/json": { schema: groupChangesBody } }, required: true },
    },
    responses: { 200: jsonContent(groupResult, "Group"), 404: notFound },
  }),
  remove: createRoute({
    method: "delete",
    path: "/groups/{id}",
    tags,
    security,
    summary: "Delete an empty group no key is bound to (409 otherwise, as in the original)",
    request: { params: idParam },
    responses: {
      200: jsonContent(z.object({ deleted: z.literal(true) }), "Deleted"),
      404: notFound,
      409: jsonContent(errorSchema, "The group still has members or bound keys"),
    },
  }),
};

/** Every member must be an account of the group's platform; duplicates are dropped. */
async function checkMembers(keyspace: Keyspace, platform: Platform, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return unique;
  const accounts = new Map((await keyspace.listAccounts()).map((a) => [a.id, a]));
  for (const id of unique) {
    const account = accounts.get(id);
    if (!account) throw new RelayError("invalid_request", `memberIds: no account ${id}`);
    if (account.platform !== platform)
      throw new RelayError("invalid_request", `memberIds: account ${id} is not a ${platform} account`);
  }
  return unique;
}

/**
 * Checks a key's bindings: each platform's value is one of its accounts or `group:<id>` of one
 * of its groups. Answers the bindings to store (empty values dropped: unbound).
 */
export async function checkBindings(
  keyspace: Keyspace,
  bindings: Record<string, string>,
): Promise<Record<string, string>> {
  const kept: Record<string, string> = {};
  for (const [platform, raw] of Object.entries(bindings)) {
    const value = raw.trim();
    if (!(PLATFORMS as readonly string[]).includes(platform))
      throw new RelayError("invalid_request", `boundAccounts: ${platform} is not a platform`);
    if (!value) continue;
    const groupId = groupIdOfBinding(value);
    const target = groupId ? await keyspace.getAccountGroup(groupId) : await keyspace.getAccount(value);
    if (!target)
      throw new RelayError(
        "invalid_request",
        `boundAccounts.${platform}: no such ${groupId ? "group" : "account"}`,
      );
    if (target.platform !== platform)
      throw new RelayError("invalid_request", `boundAccounts.${platform}: it belongs to ${target.platform}`);
    kept[platform] = value;
  }
  return kept;
}

async function view(keyspace: Keyspace, groups: AccountGroupRecord[]) {
  const keys = groups.length > 0 ? await keyspace.listRelayKeys() : [];
  return groups
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map(({ v: _v, ...group }) => {
      const binding = `${GROUP_BINDING_PREFIX}${group.id}`;
      const boundKeys = keys
        .filter((k) => k.boundAccounts[group.platform] === binding)
        .map((k) => ({ id: k.id, name: k.name }));
      return { ...group, boundKeys };
    });
}

async function viewOne(keyspace: Keyspace, group: AccountGroupRecord) {
  const [shown] = await view(keyspace, [group]);
  if (!shown) throw new Error("unreachable: one group in, one view out");
  return shown;
}

async function mustGet(keyspace: Keyspace, id: string): Promise<AccountGroupRecord> {
  const group = await keyspace.getAccountGroup(id);
  if (!group) throw new RelayError("not_found", `No account group ${id}`);
  return group;
}

async function save(env: Env, group: AccountGroupRecord): Promise<void> {
  const s = services(env);
  await s.keyspace.putAccountGroup(group);
  await accountsChanged(env, s, group.platform);
}

export function registerGroups(app: AdminApp) {
  app.openapi(routes.list, async (c) => {
    const { keyspace } = services(c.env);
    const { platform } = c.req.valid("query");
    const all = await keyspace.listAccountGroups();
    return c.json(
      {
        groups: await view(
          keyspace,
          all.filter((g) => !platform || g.platform === platform),
        ),
      },
      200,
    );
  });

  app.openapi(routes.create, async (c) => {
    const { keyspace } = services(c.env);
    const body = c.req.valid("json");
    const now = new Date().toISOString();
    const group: AccountGroupRecord = {
      v: 1,
      id: crypto.randomUUID(),
      name: body.name,
      platform: body.platform,
      description: body.description ?? "",
      memberIds: await checkMembers(keyspace, body.platform, body.memberIds ?? []),
      createdAt: now,
      updatedAt: now,
    };
    await save(c.env, group);
    return c.json({ group: await viewOne(keyspace, group) }, 201);
  });

  app.openapi(routes.get, async (c) => {
    const { keyspace } = services(c.env);
    return c.json({ group: await viewOne(keyspace, await mustGet(keyspace, c.req.valid("param").id)) }, 200);
  });

  app.openapi(routes.update, async (c) => {
    const { keyspace } = services(c.env);
    const group = await mustGet(keyspace, c.req.valid("param").id);
    const changes = c.req.valid("json");
    const updated: AccountGroupRecord = {
      ...group,
      name: changes.name ?? group.name,
      description: changes.description ?? group.description,
      memberIds: changes.memberIds
        ? await checkMembers(keyspace, group.platform, changes.memberIds)
        : group.memberIds,
      updatedAt: new Date().toISOString(),
    };
    await save(c.env, updated);
    return c.json({ group: await viewOne(keyspace, updated) }, 200);
  });

  app.openapi(routes.remove, async (c) => {
    const s = services(c.env);
    const group = await mustGet(s.keyspace, c.req.valid("param").id);
    const shown = await viewOne(s.keyspace, group);
    const existing = new Set((await s.keyspace.listAccounts()).map((a) => a.id));
    const members = group.memberIds.filter((id) => existing.has(id));
    const inUse = (reason: string) =>
      new RelayError("invalid_request", reason, { status: 409, code: "group_in_use" });
    if (members.length > 0)
      throw inUse(`The group still has ${members.length} account(s): remove them first`);
    if (shown.boundKeys.length > 0)
      throw inUse(`${shown.boundKeys.length} key(s) are bound to the group: unbind them first`);
    await s.keyspace.deleteAccountGroup(group.id);
    await accountsChanged(c.env, s, group.platform);
    return c.json({ deleted: true as const }, 200);
  });
}
