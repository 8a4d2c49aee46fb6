// An account's scheduling state as the admin API shows it: the pool's state (epoch ms) with ISO times.
import type { AccountState } from "../../durable-objects/account-pool/index.ts";
import type { UsageWindow, UsageWindows } from "../providers/provider.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined) => (ms ? iso(ms) : null);

const windowView = (window: UsageWindow) => ({
  utilization: window.utilization,
  resetAt: isoOrNull(window.resetAt),
  status: window.status,
});

function windowsView(windows: UsageWindows) {
  return {
    at: iso(windows.at),
    ...(windows.fiveHour ? { fiveHour: windowView(windows.fiveHour) } : {}),
    ...(windows.sevenDay ? { sevenDay: windowView(windows.sevenDay) } : {}),
    ...(windows.sevenDayOpus ? { sevenDayOpus: windowView(windows.sevenDayOpus) } : {}),
    ...(windows.sevenDaySonnet ? { sevenDaySonnet: windowView(windows.sevenDaySonnet) } : {}),
  };
}

/** The health of an account the pool has no state for yet (never scheduled since it was added). */
const untouched = {
  status: "active" as const,
  until: null,
  activeLeases: 0,
  lastUsedAt: null,
  windows: null,
  familyParks: [],
  costTodayUsd: 0,
  balanceLeftUsd: null,
  stopped: null,
};

export function accountHealth(state: AccountState | undefined) {
  if (!state) return untouched;
  return {
    status: state.status,
    until: isoOrNull(state.until),
    activeLeases: state.activeLeases,
    lastUsedAt: isoOrNull(state.lastUsedAt),
    windows: state.windows ? windowsView(state.windows) : null,
    familyParks: state.familyParks.map((park) => ({ family: park.family, until: iso(park.until) })),
    costTodayUsd: state.costTodayUsd,
    balanceLeftUsd: state.balanceLeftUsd,
    stopped: state.stopped ? { reason: state.stopped.reason, until: isoOrNull(state.stopped.until) } : null,
  };
}
