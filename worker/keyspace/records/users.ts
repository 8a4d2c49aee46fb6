// Portal users (worker/users).
import { z } from "zod";
import { isoDate } from "./common.ts";
import { keyLimitsSchema } from "./relay-keys.ts";

/** A portal user (worker/users): logs in with a password and manages their own relay keys. */
export const userRecordSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  /** Unique, compared in lower case. */
  username: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/),
  displayName: z.string().max(200).default(""),
  email: z.string().max(320).default(""),
  role: z.literal("user"),
  /** PBKDF2-SHA-256 (keyspace/crypto.ts hashPassword). */
  passwordHash: z.string().min(1),
  /** Sessions issued before this instant (a password reset) are refused. */
  passwordChangedAt: isoDate,
  isActive: z.boolean(),
  /** Most keys the user may hold at once (the original's MAX_API_KEYS_PER_USER, default 1). */
  maxKeys: z.number().int().min(0).max(1000).default(1),
  /** Limits every key the user creates starts with; the user may tighten them, never loosen them. */
  keyLimits: keyLimitsSchema,
  createdAt: isoDate,
  updatedAt: isoDate,
  lastLoginAt: isoDate.optional(),
});
export type UserRecord = z.infer<typeof userRecordSchema>;
