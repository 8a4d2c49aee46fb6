// Account groups: named subsets of one platform's accounts that a key can be bound to.
import { z } from "zod";
import { isoDate, platformSchema } from "./common.ts";

/**
 * A named subset of one platform's accounts (the original's account groups). A key whose
 * `boundAccounts[platform]` is `group:<id>` is served only by the group's members.
 */
export const accountGroupRecordSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  platform: platformSchema,
  description: z.string().max(2000).default(""),
  /** Account ids of `platform`; an account may belong to several groups, as in the original. */
  memberIds: z.array(z.string().min(1)).default([]),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type AccountGroupRecord = z.infer<typeof accountGroupRecordSchema>;

/** A key's binding value that names a group instead of one account (the original's spelling). */
export const GROUP_BINDING_PREFIX = "group:";
export function groupIdOfBinding(binding: string | undefined): string | null {
  return binding?.startsWith(GROUP_BINDING_PREFIX) ? binding.slice(GROUP_BINDING_PREFIX.length) : null;
}
