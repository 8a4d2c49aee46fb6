import { For, type JSX } from "solid-js";
import { lang, t } from "../i18n/index.ts";
import { formatCost, formatNumber, formatTokens } from "../lib/format.ts";

export function StatCard(props: { label: string; value: string; sub?: JSX.Element; testId?: string }) {
  return (
    <div class="card stat" data-testid={props.testId}>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value">{props.value}</div>
      <div class="stat-sub">{props.sub}</div>
    </div>
  );
}

export interface PeriodUsage {
  cost: number;
  requests: number;
  tokens: number;
}

const PERIODS = ["today", "month", "total"] as const;
export type Period = (typeof PERIODS)[number];

/**
 * Today's, this month's and all usage as cards (cost; requests · tokens), with test ids
 * `${testIdPrefix}-today` and so on; `children` join the grid.
 */
export function UsageCards(props: {
  usage: (period: Period) => PeriodUsage;
  testIdPrefix: string;
  testId?: string;
  children?: JSX.Element;
}) {
  return (
    <div class="stat-grid" data-testid={props.testId}>
      <For each={PERIODS}>
        {(period) => (
          <StatCard
            testId={`${props.testIdPrefix}-${period}`}
            label={t(`dashboard.${period}`)}
            value={formatCost(props.usage(period).cost)}
            sub={`${t("dashboard.requestsN", { n: formatNumber(props.usage(period).requests, lang()) })} · ${formatTokens(props.usage(period).tokens)} ${t("common.tokens")}`}
          />
        )}
      </For>
      {props.children}
    </div>
  );
}
