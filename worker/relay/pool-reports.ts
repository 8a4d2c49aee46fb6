// Readings of an account that are no request's verdict (its usage windows, the cost it served),
// batched per isolate and pool: the next pick of that pool from this isolate carries them, else
// the request that left one sends the batch itself after a short delay. Each request waits only on
// its own timer and its own call (workerd cancels a wait on another request's I/O).
import type { AccountReport } from "../../durable-objects/account-pool/index.ts";
import type { UsageWindow, UsageWindows } from "../providers/provider.ts";

/** How long a reading waits for a pick to carry it before its request sends it itself. */
const CARRY_WINDOW_MS = 1_000;
/** A reading the pool already has is sent again after this long, so the pool's view stays fresh. */
const RESEND_AFTER_MS = 60_000;

export class ReportOutbox {
  private readonly pending = new Map<string, AccountReport>();
  private readonly send: (reports: AccountReport[]) => Promise<void>;

  constructor(send: (reports: AccountReport[]) => Promise<void>) {
    this.send = send;
  }

  /** Queues a reading; settles once it has left the isolate (or its call failed: readings may be lost). */
  async add(report: AccountReport): Promise<void> {
    const kept = this.pending.get(report.accountId);
    this.pending.set(report.accountId, kept ? merged(kept, report) : report);
    await new Promise((resolve) => setTimeout(resolve, CARRY_WINDOW_MS));
    const reports = this.take();
    if (reports) await this.send(reports).catch(() => {});
  }

  /** Everything queued, for a pick to carry; undefined when nothing is. */
  take(): AccountReport[] | undefined {
    if (this.pending.size === 0) return undefined;
    const reports = [...this.pending.values()];
    this.pending.clear();
    return reports;
  }
}

function merged(kept: AccountReport, next: AccountReport): AccountReport {
  const cost = (kept.costMicroUsd ?? 0) + (next.costMicroUsd ?? 0);
  const windows =
    !kept.windows || (next.windows && next.windows.at >= kept.windows.at) ? next.windows : kept.windows;
  return {
    accountId: kept.accountId,
    at: Math.max(kept.at, next.at),
    ...(windows ? { windows } : {}),
    ...(cost > 0 ? { costMicroUsd: cost } : {}),
  };
}

/** The last windows this isolate queued per account, to skip readings that say nothing new. */
const lastQueued = new Map<string, UsageWindows>();

/**
 * Whether a reading differs from the last one this isolate queued for the account by what the
 * pool acts on: a status, a reset (a new window), a whole percent, or a minute's age.
 */
export function windowsWorthReporting(accountId: string, windows: UsageWindows): boolean {
  const last = lastQueued.get(accountId);
  const worth =
    !last ||
    windows.at - last.at >= RESEND_AFTER_MS ||
    moved(last.fiveHour, windows.fiveHour) ||
    moved(last.sevenDay, windows.sevenDay) ||
    moved(last.sevenDayOpus, windows.sevenDayOpus) ||
    moved(last.sevenDaySonnet, windows.sevenDaySonnet);
  if (worth) lastQueued.set(accountId, windows);
  return worth;
}

function moved(a: UsageWindow | undefined, b: UsageWindow | undefined): boolean {
  if (!a || !b) return a !== b;
  return a.status !== b.status || a.resetAt !== b.resetAt || Math.abs(a.utilization - b.utilization) >= 0.01;
}
