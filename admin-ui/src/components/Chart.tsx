// A uPlot chart of one or more series over time. Stamps are relay wall-clock times placed as UTC
// (lib/series.ts), so the axis is labelled in UTC. Rebuilt when the data, language or theme
// changes; follows its container's width.
import { createEffect, onCleanup, onMount } from "solid-js";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { lang, t } from "../i18n/index.ts";
import { theme } from "../theme.ts";

export interface ChartSeries {
  label: string;
  color: string;
  format: (value: number) => string;
  bars?: boolean;
}

interface Props {
  title: string;
  x: number[];
  ys: number[][];
  series: ChartSeries[];
  /** Daily points (labels without the hour). */
  daily: boolean;
  height?: number;
  testId?: string;
}

const pad = (n: number) => String(n).padStart(2, "0");

function axisLabel(seconds: number, daily: boolean): string {
  const d = new Date(seconds * 1000);
  const day = `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return daily ? day : `${pad(d.getUTCHours())}:00`;
}

/** Room for the widest y label (uPlot measures nothing itself). */
function axisSize(values: string[] | undefined): number {
  const longest = Math.max(1, ...(values ?? []).map((v) => v.length));
  return Math.ceil(longest * 7.2) + 18;
}

function fullLabel(seconds: number, daily: boolean): string {
  const d = new Date(seconds * 1000);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return daily ? day : `${day} ${pad(d.getUTCHours())}:00`;
}

export function Chart(props: Props) {
  let host!: HTMLDivElement;
  let plot: uPlot | undefined;

  const build = () => {
    plot?.destroy();
    theme();
    lang();
    const css = getComputedStyle(host);
    const ink = css.getPropertyValue("--muted").trim() || "#888";
    const grid = css.getPropertyValue("--grid").trim() || "rgba(128,128,128,0.15)";
    const daily = props.daily;
    const bars = uPlot.paths.bars?.({ size: [0.6, 28] });
    // Half a step of room at each end, so the first and last bars are whole.
    const half = (daily ? 86_400 : 3_600) / 2;
    const options: uPlot.Options = {
      width: Math.max(200, host.clientWidth),
      height: props.height ?? 180,
      padding: [8, 8, 0, 0],
      cursor: { points: { size: 6 } },
      legend: { live: true },
      scales: {
        x: { time: false, range: (_u, min, max) => [min - half, max + half] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        {
          stroke: ink,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          values: (_u, splits) => splits.map((s) => axisLabel(s, daily)),
          space: daily ? 48 : 44,
        },
        {
          stroke: ink,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          values: (_u, splits) => splits.map((s) => props.series[0]?.format(s) ?? String(s)),
          size: (_u, values) => axisSize(values),
        },
      ],
      series: [
        { label: t("keyDetail.time"), value: (_u, v) => (v === null ? "—" : fullLabel(v, daily)) },
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: `${s.color}33`,
          points: { show: props.x.length < 40 },
          value: (_u: uPlot, v: number | null) => (v === null ? "—" : s.format(v)),
          ...(s.bars && bars ? { paths: bars, points: { show: false } } : {}),
        })),
      ],
    };
    plot = new uPlot(options, [props.x, ...props.ys], host);
  };

  createEffect(() => {
    // Read what the chart depends on, so the effect re-runs when it changes.
    void props.x;
    void props.ys;
    build();
  });

  const observer = new ResizeObserver(() => {
    if (plot && host.clientWidth > 0 && Math.abs(plot.width - host.clientWidth) > 2) {
      plot.setSize({ width: host.clientWidth, height: props.height ?? 180 });
    }
  });
  onMount(() => observer.observe(host));
  onCleanup(() => {
    observer.disconnect();
    plot?.destroy();
  });

  return (
    <figure class="chart" data-testid={props.testId}>
      <figcaption>{props.title}</figcaption>
      <div ref={host} class="chart-host" />
    </figure>
  );
}
