// An account's usage per day over the last 30 days (the relay's daily per-account buckets, read by
// GET /admin/usage/series): a bar per day of its cost, and a table of the days it served, newest
// first, with the 30 days' sum. Days are the relay's (its time zone), as usage is counted.
import { Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import type { UsagePoint } from "../api/types.ts";
import { tt } from "../i18n/account-tests.ts";
import { lang } from "../i18n/index.ts";
import { formatCost, formatNumber, formatTokens } from "../lib/format.ts";
import { createLoader, once } from "../lib/loader.ts";
import { DataTable } from "./DataTable.tsx";
import { ErrorBox } from "./ErrorBox.tsx";
import { Modal } from "./Modal.tsx";
import "./account-daily.css";

const DAYS = 30;

function sumOf(points: readonly UsagePoint[]) {
  return points.reduce(
    (sum, p) => ({
      requests: sum.requests + p.requests,
      allTokens: sum.allTokens + p.allTokens,
      cost: sum.cost + p.cost,
    }),
    { requests: 0, allTokens: 0, cost: 0 },
  );
}

export function AccountDailyUsageDialog(props: {
  account: { id: string; name: string };
  onClose: () => void;
}) {
  const series = createLoader(once, () =>
    adminApi.usage.series({ owner: "account", id: props.account.id, granularity: "daily", points: DAYS }),
  );
  const served = () => (series.data() ?? []).filter((p) => p.requests > 0).reverse();
  const peak = () => Math.max(0, ...(series.data() ?? []).map((p) => p.cost));
  return (
    <Modal title={tt("daily.title", { name: props.account.name })} wide onClose={props.onClose}>
      <div data-testid="account-daily">
        <p class="muted small zone-note">{tt("daily.zone")}</p>
        <ErrorBox error={series.error()} />
        <Show when={series.data()}>
          {(points) => (
            <>
              <div class="daily-bars" role="img" aria-label={tt("daily.chart")} data-testid="daily-bars">
                {points().map((p) => (
                  <div
                    class={p.cost > 0 ? "" : "zero"}
                    style={p.cost > 0 ? { height: `${Math.max(3, (p.cost / peak()) * 100)}%` } : {}}
                    title={`${p.period} · ${formatCost(p.cost)} · ${formatNumber(p.requests, lang())} · ${formatTokens(p.allTokens)}`}
                  />
                ))}
              </div>
              <div class="daily-axis">
                <span>{points()[0]?.period}</span>
                <span>{points().at(-1)?.period}</span>
              </div>
              <DataTable
                rows={served().length > 0 ? [...served(), { period: "", ...sumOf(points()) }] : []}
                empty={tt("daily.none")}
                testId="daily-table"
                rowTestId="daily-row"
                columns={[
                  {
                    head: tt("daily.day"),
                    cellClass: "nowrap",
                    cell: (p) => (p.period ? p.period : <strong>{tt("daily.total")}</strong>),
                  },
                  {
                    head: tt("daily.requests"),
                    class: "num",
                    cell: (p) => formatNumber(p.requests, lang()),
                  },
                  { head: tt("daily.tokens"), class: "num", cell: (p) => formatTokens(p.allTokens) },
                  { head: tt("daily.cost"), class: "num", cell: (p) => formatCost(p.cost) },
                ]}
              />
            </>
          )}
        </Show>
      </div>
    </Modal>
  );
}
