// Account tests: the interval an admin set for an account's scheduled test, and each test's result
// (scheduled or the admin's), kept per account newest first (capped: account-test-store.ts).
import { z } from "zod";
import { isoDate } from "./common.ts";

/** Every 15 minutes at most often (the cron runs each 5), once a day at least often. */
export const TEST_INTERVAL_MIN_MINUTES = 15;
export const TEST_INTERVAL_MAX_MINUTES = 1_440;

export const accountTestScheduleSchema = z.object({
  v: z.literal(1),
  intervalMinutes: z.number().int().min(TEST_INTERVAL_MIN_MINUTES).max(TEST_INTERVAL_MAX_MINUTES),
  updatedAt: isoDate,
});
export type AccountTestSchedule = z.infer<typeof accountTestScheduleSchema>;

export const accountTestRunSchema = z.object({
  v: z.literal(1),
  at: isoDate,
  /** `scheduled`: run by the cron, its verdict told to the pool; `manual`: the admin's button. */
  source: z.enum(["scheduled", "manual"]),
  ok: z.boolean(),
  /** The upstream's HTTP status; 0 when it could not be reached. */
  status: z.number().int(),
  latencyMs: z.number().min(0),
  model: z.string(),
  upstreamModel: z.string().optional(),
  message: z.string().max(500).optional(),
});
export type AccountTestRun = z.infer<typeof accountTestRunSchema>;
