// The admin API's answers as the CLI reads them. Each schema checks at run time only what the CLI
// relies on (unknown extra fields are accepted, and kept in --json output, so a newer relay does not
// break an older CLI), and is checked at compile time against the API's generated types
// (admin-ui/src/api/generated.ts, `npm run gen:types`): a field the CLI reads that the API renames,
// drops or retypes fails `npm run typecheck`, not an operator's command.
import { z } from "zod";
import type { Answer, Schemas } from "../../admin-ui/src/api/generated.ts";

/** `schema`, refused by the compiler unless every answer the API documents as `Documented` passes it. */
const accepting =
  <Documented>() =>
  <S extends z.ZodType>(
    schema: S & ([Documented] extends [z.input<S>] ? unknown : { failsOnDocumentedAnswer: Documented }),
  ) =>
    schema;

export type Expiry = Schemas["RelayKey"]["expiry"];
/** The bodies the CLI sends (the relay checks the values, e.g. a list of platforms). */
export type KeyChangesBody = Schemas["RelayKeyChanges"];
export type AccountChangesBody = Schemas["AccountChanges"];

const limitsSchema = z.object({
  tokenLimit: z.number(),
  concurrencyLimit: z.number(),
  concurrencyQueueSeconds: z.number(),
  rateLimitWindowMinutes: z.number(),
  rateLimitRequests: z.number(),
  rateLimitCost: z.number(),
  dailyCostLimit: z.number(),
  totalCostLimit: z.number(),
  weeklyCostLimit: z.number(),
  weeklyResetDay: z.number(),
  weeklyResetHour: z.number(),
  restrictedModels: z.array(z.string()),
  allowedClients: z.array(z.string()),
  permissions: z.array(z.string()),
});
/** A key's limits as the CLI reads them (lists as plain strings); its flags name these fields. */
export type KeyLimits = z.infer<typeof limitsSchema>;

const expirySchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("never") }),
  z.object({ mode: z.literal("fixed"), expiresAt: z.string() }),
  z.object({ mode: z.literal("activation"), days: z.number(), activatedAt: z.string().optional() }),
]);

export const keyViewSchema = accepting<Schemas["RelayKey"]>()(
  z.object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    preview: z.string(),
    isActive: z.boolean(),
    tags: z.array(z.string()),
    ownerId: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    expiry: expirySchema,
    limits: limitsSchema,
    boundAccounts: z.record(z.string(), z.string()),
  }),
);
export type KeyView = z.infer<typeof keyViewSchema>;

export const accountViewSchema = accepting<Schemas["Account"]>()(
  z.object({
    id: z.string(),
    type: z.string(),
    platform: z.string(),
    name: z.string(),
    description: z.string(),
    baseUrl: z.string(),
    priority: z.number(),
    schedulable: z.boolean(),
    /** Absent from servers older than dedicated accounts: every account was shared then. */
    shared: z.boolean().optional(),
    isActive: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
    /** Present in lists: what the scheduler thinks of the account now. */
    health: z.object({ status: z.string(), until: z.string().nullable() }).optional(),
    /** Its egress proxy (absent from servers older than proxies). */
    proxy: z.object({ type: z.string(), host: z.string(), port: z.number() }).nullable().optional(),
  }),
);
export type AccountView = z.infer<typeof accountViewSchema>;

export const accountTestSchema = accepting<Schemas["AccountTestResult"]>()(
  z.object({
    ok: z.boolean(),
    status: z.number(),
    latencyMs: z.number(),
    model: z.string(),
    message: z.string().optional(),
  }),
);

export const loginResponseSchema = accepting<Schemas["LoginResult"]>()(
  z.object({ token: z.string().min(1), expiresAt: z.unknown() }),
);
export const errorResponseSchema = accepting<Schemas["Error"]>()(
  z.object({ error: z.object({ type: z.string(), message: z.string() }) }),
);

export const statusResponseSchema = accepting<Schemas["Status"]>()(
  z.object({
    version: z.string(),
    time: z.string(),
    keyspace: z.object({ ok: z.boolean(), latencyMs: z.number().nullable().optional() }),
    keys: z.object({ total: z.number(), active: z.number() }),
    accounts: z.object({ total: z.number(), active: z.number() }),
  }),
);
export type StatusResponse = z.infer<typeof statusResponseSchema>;

export const keyListSchema = accepting<Answer<"/keys", "get">>()(z.object({ keys: z.array(keyViewSchema) }));
export const keyResponseSchema = accepting<Answer<"/keys/{id}", "get">>()(z.object({ key: keyViewSchema }));
export const keyCreatedSchema = accepting<Schemas["CreatedRelayKey"]>()(
  z.object({ key: keyViewSchema, secret: z.string() }),
);
export const accountListSchema = accepting<Answer<"/accounts", "get">>()(
  z.object({ accounts: z.array(accountViewSchema) }),
);
export const accountResponseSchema = accepting<Answer<"/accounts/{id}", "patch">>()(
  z.object({ account: accountViewSchema }),
);
export const deletedSchema = accepting<Answer<"/keys/{id}", "delete">>()(
  z.object({ deleted: z.literal(true) }),
);
export const keyLiveSchema = accepting<Schemas["KeyLiveState"]>()(
  z.object({
    window: z
      .object({ start: z.number(), requests: z.number(), tokens: z.number(), costMicroUsd: z.number() })
      .nullable(),
    activeLeases: z.number(),
    queued: z.number(),
    spend: z.object({
      dayCostMicroUsd: z.number(),
      weekCostMicroUsd: z.number(),
      totalCostMicroUsd: z.number(),
      totalTokens: z.number(),
    }),
  }),
);
