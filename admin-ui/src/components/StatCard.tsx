import type { JSX } from "solid-js";

export function StatCard(props: { label: string; value: string; sub?: JSX.Element; testId?: string }) {
  return (
    <div class="card stat" data-testid={props.testId}>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value">{props.value}</div>
      <div class="stat-sub">{props.sub}</div>
    </div>
  );
}
