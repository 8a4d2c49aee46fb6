// Bodies of the user portal and the admin's user routes (OpenAPI from zod).
import { z } from "@hono/zod-openapi";
import { expirySchema, keyLimitChanges } from "../keyspace/records/relay-keys.ts";
import { userRecordSchema } from "../keyspace/records/users.ts";

export { keyLimitChanges };

export const usernameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/,
    "2–64 letters, digits or . _ @ -, starting with a letter or digit",
  );
export const passwordSchema = z.string().min(8, "at least 8 characters").max(200);

export const userViewSchema = userRecordSchema.omit({ passwordHash: true, v: true }).openapi("User");

export const adminUserViewSchema = userViewSchema
  .extend({ keyCount: z.number().int() })
  .openapi("UserWithKeyCount");

export const newUserBody = z
  .object({
    username: usernameSchema,
    password: passwordSchema.optional().openapi({ description: "Generated (and shown once) when left out" }),
    displayName: z.string().max(200).optional(),
    email: z.string().max(320).optional(),
    maxKeys: z.number().int().min(0).max(1000).optional(),
    keyLimits: keyLimitChanges.optional(),
  })
  .strict()
  .openapi("NewUser");

export const userChangesBody = z
  .object({
    displayName: z.string().max(200).optional(),
    email: z.string().max(320).optional(),
    maxKeys: z.number().int().min(0).max(1000).optional(),
    keyLimits: keyLimitChanges
      .optional()
      .openapi({ description: "Merged into the defaults for keys the user creates from now on" }),
  })
  .strict()
  .openapi("UserChanges");

export const passwordResetBody = z
  .object({ password: passwordSchema.optional() })
  .strict()
  .openapi("PasswordReset");

/** The limits a user may set on their own key: only tighter than the admin's defaults. */
export const userKeyLimits = z
  .object({
    concurrencyLimit: z.number().int().min(0).optional(),
    dailyCostLimit: z.number().min(0).optional(),
    totalCostLimit: z.number().min(0).optional(),
    weeklyCostLimit: z.number().min(0).optional(),
  })
  .strict();

export const userKeyBody = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    expiry: expirySchema.optional(),
    limits: userKeyLimits
      .optional()
      .openapi({ description: "Each at most the default the admin set for you (0 there = no cap)" }),
  })
  .strict()
  .openapi("NewUserKey");
export type UserKeyInput = z.infer<typeof userKeyBody>;

export const passwordChangeBody = z
  .object({
    currentPassword: z.string().min(1).max(500),
    newPassword: passwordSchema,
  })
  .strict()
  .openapi("PasswordChange");
