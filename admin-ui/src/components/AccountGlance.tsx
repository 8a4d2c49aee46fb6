// An account's windows and quota on the Accounts page: a bar per usage window (5 h, 7 d, 7 d Opus,
// 7 d Sonnet) with its reset time, the families paused on their own, today's cost against its
// daily quota and the subscription's end. Times are in the zone the page names.
import { For, Show } from "solid-js";
import type { AccountWithHealth } from "../api/types.ts";
import { lang, t } from "../i18n/index.ts";
import { formatReset, liveParks, untilText, WINDOW_LABEL, windowBars } from "../lib/account-windows.ts";
import { formatCost, formatDateTime } from "../lib/format.ts";
import { Meter } from "./Meter.tsx";

export function AccountGlance(props: { account: AccountWithHealth }) {
  const now = () => Date.now();
  const health = () => props.account.health;
  const bars = () => windowBars(health().windows);
  const parks = () => liveParks(health().familyParks, now());
  const ends = () => props.account.subscriptionExpiresAt;
  const quota = () => props.account.dailyCostLimitUsd;
  return (
    <div class="glance" data-testid="account-glance">
      <Show when={props.account.type === "claude-oauth" && bars().length === 0}>
        <div class="muted small">{t("windows.none")}</div>
      </Show>
      <For each={bars()}>
        {(bar) => (
          <div class="meter window" data-testid={`window-${bar.name}`}>
            <div class="meter-text">
              <span>{t(WINDOW_LABEL[bar.name])}</span>
              <span class="num">{bar.percent}%</span>
            </div>
            <div
              class={`meter-bar ${bar.level}`}
              role="progressbar"
              aria-label={t(WINDOW_LABEL[bar.name])}
              aria-valuenow={bar.percent}
              aria-valuemin={0}
              aria-valuemax={100}
            >
              <div style={{ width: `${bar.percent}%` }} />
            </div>
            <Show when={bar.resetAt}>
              <div class="muted small" data-testid="window-reset">
                {t("windows.resets", { time: formatReset(bar.resetAt, lang()) })}
                <Show when={untilText(bar.resetAt, now())}>
                  {(left) => <span class="rel"> ({left()})</span>}
                </Show>
              </div>
            </Show>
          </div>
        )}
      </For>
      <For each={parks()}>
        {(park) => (
          <div class="small park" data-testid="family-park">
            {t("windows.parked", { family: park.family, time: formatReset(park.until, lang()) })}
          </div>
        )}
      </For>
      <Show when={quota() > 0 || health().costTodayUsd > 0}>
        <Meter
          testId="cost-today"
          label={t("windows.costToday")}
          used={health().costTodayUsd}
          limit={quota()}
          format={formatCost}
        />
      </Show>
      <Show when={health().balanceLeftUsd !== null}>
        <div
          class={`small ${(health().balanceLeftUsd ?? 0) <= 0 ? "bad" : "muted"}`}
          data-testid="balance-left"
        >
          {t("windows.balanceLeft", { amount: formatCost(health().balanceLeftUsd ?? 0) })}
        </div>
      </Show>
      <Show when={ends()}>
        {(at) => (
          <div class="muted small" data-testid="subscription-ends">
            {t("windows.subscriptionEnds", { time: formatDateTime(at(), lang()) })}
          </div>
        )}
      </Show>
    </div>
  );
}
