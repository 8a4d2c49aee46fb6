// Usage over time split by model, account or key (/usage/breakdown): one line per top owner,
// the rest summed as "other".
import { createMemo, createSignal, For } from "solid-js";
import { adminApi } from "../api/admin.ts";
import type { BreakdownPoint, UsageBreakdown } from "../api/ops-types.ts";
import { type MessageKey, t } from "../i18n/index.ts";
import { formatCost, formatNumber, formatTokens } from "../lib/format.ts";
import { createLoader } from "../lib/loader.ts";
import { stampToSeconds } from "../lib/series.ts";
import { Chart, type ChartSeries } from "./Chart.tsx";
import { ErrorBox } from "./ErrorBox.tsx";
import { Segmented } from "./Segmented.tsx";

type Owner = "model" | "account" | "key";
type Metric = keyof BreakdownPoint;

const OWNERS: [Owner, MessageKey][] = [
  ["model", "breakdown.byModel"],
  ["account", "breakdown.byAccount"],
  ["key", "breakdown.byKey"],
];
const METRICS: [Metric, MessageKey][] = [
  ["requests", "charts.requests"],
  ["allTokens", "charts.tokens"],
  ["cost", "charts.cost"],
];
const FORMAT: Record<Metric, (v: number) => string> = {
  requests: (v) => formatNumber(v),
  allTokens: formatTokens,
  cost: formatCost,
};
const PALETTE = ["#2563eb", "#d97706", "#16a34a", "#db2777", "#7c3aed", "#0891b2", "#94a3b8"];

/** uPlot columns: x in seconds, one y column per owner. */
export function breakdownColumns(data: UsageBreakdown, metric: Metric) {
  const keep = data.periods.map((p) => stampToSeconds(p));
  const x = keep.filter((s): s is number => s !== null);
  const ys = data.series.map((s) => s.points.filter((_, i) => keep[i] !== null).map((p) => p[metric]));
  return { x, ys };
}

export function UsageBreakdownCharts(props: { refreshMs?: number; reloadSignal?: () => number }) {
  const [owner, setOwner] = createSignal<Owner>("model");
  const [metric, setMetric] = createSignal<Metric>("requests");
  const [daily, setDaily] = createSignal(false);
  const data = createLoader(
    () => ({ owner: owner(), daily: daily(), tick: props.reloadSignal?.() ?? 0 }),
    (q) => adminApi.usage.breakdown({ owner: q.owner, granularity: q.daily ? "daily" : "hourly", limit: 6 }),
    { refreshMs: props.refreshMs },
  );
  const columns = createMemo(() => {
    const d = data.data();
    return d ? breakdownColumns(d, metric()) : { x: [], ys: [] };
  });
  const series = createMemo((): ChartSeries[] =>
    (data.data()?.series ?? []).map((s, i) => ({
      label: s.id === "other" ? t("breakdown.other") : (s.name ?? s.id),
      color: PALETTE[i % PALETTE.length] ?? "#888",
      format: FORMAT[metric()],
    })),
  );

  return (
    <section class="panel" data-testid="breakdown">
      <div class="panel-head">
        <h2>{t("breakdown.title")}</h2>
        <div class="row wrap">
          <Segmented
            label={t("breakdown.split")}
            value={owner()}
            onChange={setOwner}
            options={OWNERS.map(([o, label]) => ({ value: o, label: t(label), testId: `breakdown-${o}` }))}
          />
          <select
            value={metric()}
            aria-label={t("breakdown.metric")}
            onChange={(e) => setMetric(e.currentTarget.value as Metric)}
          >
            <For each={METRICS}>{([m, label]) => <option value={m}>{t(label)}</option>}</For>
          </select>
          <select
            value={daily() ? "daily" : "hourly"}
            aria-label={t("charts.granularity")}
            onChange={(e) => setDaily(e.currentTarget.value === "daily")}
          >
            <option value="hourly">{t("charts.hourly")}</option>
            <option value="daily">{t("charts.daily")}</option>
          </select>
        </div>
      </div>
      <ErrorBox error={data.error()} />
      <Chart
        title={`${t(OWNERS.find(([o]) => o === owner())?.[1] ?? "breakdown.byModel")} · ${t(
          METRICS.find(([m]) => m === metric())?.[1] ?? "charts.requests",
        )}`}
        testId={`chart-by-${owner()}`}
        daily={daily()}
        x={columns().x}
        ys={columns().ys}
        series={series()}
        height={220}
      />
    </section>
  );
}
