// The admin's login.
import { z } from "zod";
import { isoDate } from "./common.ts";

export const adminCredentialSchema = z.object({
  v: z.literal(1),
  username: z.string().min(1),
  passwordHash: z.string().min(1),
  createdAt: isoDate,
});
export type AdminCredential = z.infer<typeof adminCredentialSchema>;
