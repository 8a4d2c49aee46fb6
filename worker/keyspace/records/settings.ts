// Settings records besides the webhook configuration (webhooks.ts).
import { z } from "zod";
import { isoDate } from "./common.ts";

/** Site name, logo and notice shown by the admin UI and the public stats page (the original's OEM settings). */
export const brandingSchema = z.object({
  v: z.literal(1),
  siteName: z.string().trim().max(100).default(""),
  /** https (or a data: image) only, so the pages never load a script or plain-http content. */
  logoUrl: z
    .string()
    .max(100_000)
    .regex(/^(https:\/\/|data:image\/(png|jpeg|gif|webp|svg\+xml);base64,)/)
    .or(z.literal(""))
    .default(""),
  notice: z.string().max(1000).default(""),
  updatedAt: isoDate.optional(),
});
export type Branding = z.infer<typeof brandingSchema>;
