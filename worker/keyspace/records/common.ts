// What several record families share: timestamps, the platforms, the clients a key may allow.
import { z } from "zod";

export const PLATFORMS = ["claude", "gemini", "openai", "droid"] as const;
export const platformSchema = z.enum(PLATFORMS);
export type Platform = z.infer<typeof platformSchema>;

/** Client ids as the original service names them (its predefined client list). */
export const CLIENT_IDS = ["claude_code", "gemini_cli", "codex_cli", "droid_cli"] as const;
export const clientIdSchema = z.enum(CLIENT_IDS);

/** Timestamps in records: ISO 8601 with an offset. */
export const isoDate = z.iso.datetime({ offset: true });
