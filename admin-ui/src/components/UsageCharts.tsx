// Requests, tokens and cost over time for the whole relay or one owner (/usage/series), hourly or daily.
import { createMemo, createSignal } from "solid-js";
import { adminApi } from "../api/admin.ts";
import { t } from "../i18n/index.ts";
import { formatCost, formatNumber, formatTokens } from "../lib/format.ts";
import { createLoader } from "../lib/loader.ts";
import { toColumns } from "../lib/series.ts";
import { Chart } from "./Chart.tsx";
import { ErrorBox } from "./ErrorBox.tsx";
import { Segmented } from "./Segmented.tsx";

type Granularity = "hourly" | "daily";

export function UsageCharts(props: {
  owner?: "key" | "account" | "model";
  id?: string;
  refreshMs?: number;
  reloadSignal?: () => number;
}) {
  const [granularity, setGranularity] = createSignal<Granularity>("hourly");
  const series = createLoader(
    () => ({ granularity: granularity(), tick: props.reloadSignal?.() ?? 0 }),
    ({ granularity: g }) =>
      adminApi.usage.series({
        owner: props.owner ?? "system",
        id: props.id,
        granularity: g,
        points: g === "hourly" ? 24 : 30,
      }),
    { refreshMs: props.refreshMs },
  );
  const columns = createMemo(() =>
    toColumns(series.data() ?? [], ["requests", "allTokens", "cost"] as const),
  );
  const daily = () => granularity() === "daily";

  return (
    <section class="panel">
      <div class="panel-head">
        <h2>{t("charts.title")}</h2>
        <Segmented
          label={t("charts.granularity")}
          value={granularity()}
          onChange={setGranularity}
          options={[
            { value: "hourly", label: t("charts.hourly"), testId: "hourly" },
            { value: "daily", label: t("charts.daily"), testId: "daily" },
          ]}
        />
      </div>
      <ErrorBox error={series.error()} />
      <div class="chart-grid">
        <Chart
          title={t("charts.requests")}
          testId="chart-requests"
          daily={daily()}
          x={columns().x}
          ys={[columns().ys[0] ?? []]}
          series={[
            { label: t("charts.requests"), color: "#2563eb", format: (v) => formatNumber(v), bars: true },
          ]}
        />
        <Chart
          title={t("charts.tokens")}
          testId="chart-tokens"
          daily={daily()}
          x={columns().x}
          ys={[columns().ys[1] ?? []]}
          series={[{ label: t("charts.tokens"), color: "#7c3aed", format: formatTokens }]}
        />
        <Chart
          title={t("charts.cost")}
          testId="chart-cost"
          daily={daily()}
          x={columns().x}
          ys={[columns().ys[2] ?? []]}
          series={[{ label: t("charts.cost"), color: "#d97706", format: formatCost }]}
        />
      </div>
    </section>
  );
}
