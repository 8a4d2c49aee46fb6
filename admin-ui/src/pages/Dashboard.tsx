// The relay at a glance: totals, usage over time (overall and split by model, account or key),
// top keys and models, recent errors, account health.
import { createSignal, For, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import type { HealthStatus, TopEntry } from "../api/types.ts";
import { DataTable } from "../components/DataTable.tsx";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { PageHead } from "../components/PageHead.tsx";
import { RecentErrors } from "../components/RecentErrors.tsx";
import { StatCard, UsageCards } from "../components/StatCard.tsx";
import { UsageBreakdownCharts } from "../components/UsageBreakdownCharts.tsx";
import { UsageCharts } from "../components/UsageCharts.tsx";
import { lang, t } from "../i18n/index.ts";
import { formatCost, formatDateTime, formatNumber, formatTokens } from "../lib/format.ts";
import { HEALTH_LABEL } from "../lib/labels.ts";
import { createLoader, once } from "../lib/loader.ts";
import { Link } from "../router.tsx";

const REFRESH_MS = 30_000;
type Period = "today" | "month" | "total";

function TopTable(props: {
  title: string;
  entries: TopEntry[] | undefined;
  link?: (e: TopEntry) => string;
  testId: string;
}) {
  return (
    <div class="panel" data-testid={props.testId}>
      <h3>{props.title}</h3>
      <DataTable
        plain
        rows={props.entries ?? []}
        empty={t("common.noData")}
        columns={[
          {
            head: t("common.name"),
            cell: (entry) => (
              <Show when={props.link} fallback={entry.name ?? entry.id}>
                {(link) => <Link href={link()(entry)}>{entry.name ?? entry.id}</Link>}
              </Show>
            ),
          },
          { head: t("common.requests"), class: "num", cell: (entry) => formatNumber(entry.requests, lang()) },
          { head: t("common.tokensTitle"), class: "num", cell: (entry) => formatTokens(entry.allTokens) },
          { head: t("common.cost"), class: "num", cell: (entry) => formatCost(entry.cost) },
        ]}
      />
    </div>
  );
}

export function DashboardPage() {
  const [tick, setTick] = createSignal(0);
  const [period, setPeriod] = createSignal<Period>("today");
  const summary = createLoader(tick, () => adminApi.usage.summary(), { refreshMs: REFRESH_MS });
  const top = createLoader(
    () => ({ period: period(), tick: tick() }),
    async ({ period: p }) => {
      const [keys, models] = await Promise.all([
        adminApi.usage.top({ owner: "key", period: p, limit: 8 }),
        adminApi.usage.top({ owner: "model", period: p, limit: 8 }),
      ]);
      return { keys, models };
    },
    { refreshMs: REFRESH_MS },
  );
  const accounts = createLoader(once, () => adminApi.accounts.list(), { refreshMs: REFRESH_MS });
  const healthCounts = () => {
    const counts = new Map<HealthStatus, number>();
    for (const a of accounts.data() ?? [])
      counts.set(a.health.status, (counts.get(a.health.status) ?? 0) + 1);
    return [...counts.entries()];
  };
  const unhealthy = () => (accounts.data() ?? []).filter((a) => a.health.status !== "active" || !a.isActive);

  const refresh = () => {
    setTick(tick() + 1);
    void accounts.reload();
  };

  return (
    <div class="page">
      <PageHead title={t("nav.dashboard")} onRefresh={refresh} />
      <ErrorBox error={summary.error()} />
      <Show when={summary.data()}>
        {(s) => (
          <UsageCards
            testIdPrefix="stat"
            usage={(period) => ({ ...s()[period], tokens: s()[period].allTokens })}
          >
            <StatCard
              label={t("dashboard.inventory")}
              value={`${formatNumber(s().keys.total, lang())} / ${formatNumber(s().accounts.total, lang())}`}
              sub={t("dashboard.keysAccounts")}
            />
          </UsageCards>
        )}
      </Show>

      <UsageCharts refreshMs={REFRESH_MS} reloadSignal={tick} />
      <UsageBreakdownCharts refreshMs={REFRESH_MS} reloadSignal={tick} />

      <div class="panel-head">
        <h2>{t("dashboard.top")}</h2>
        <select
          value={period()}
          onChange={(e) => setPeriod(e.currentTarget.value as Period)}
          aria-label={t("dashboard.period")}
        >
          <option value="today">{t("dashboard.today")}</option>
          <option value="month">{t("dashboard.month")}</option>
          <option value="total">{t("dashboard.total")}</option>
        </select>
      </div>
      <ErrorBox error={top.error()} />
      <div class="two-col">
        <TopTable
          testId="top-keys"
          title={t("dashboard.topKeys")}
          entries={top.data()?.keys}
          link={(e) => `/keys/${e.id}`}
        />
        <TopTable testId="top-models" title={t("dashboard.topModels")} entries={top.data()?.models} />
      </div>

      <RecentErrors refreshMs={REFRESH_MS} reloadSignal={tick} />

      <section class="panel" data-testid="account-health">
        <div class="panel-head">
          <h2>{t("dashboard.accountHealth")}</h2>
          <Link href="/accounts">{t("dashboard.allAccounts")}</Link>
        </div>
        <ErrorBox error={accounts.error()} />
        <Show when={accounts.data()}>
          <Show
            when={(accounts.data()?.length ?? 0) > 0}
            fallback={<p class="muted">{t("accounts.none")}</p>}
          >
            <div class="chips">
              <For each={healthCounts()}>
                {([status, n]) => (
                  <span class={`badge ${status}`}>
                    {t(HEALTH_LABEL[status])}: {n}
                  </span>
                )}
              </For>
            </div>
            <Show when={unhealthy().length > 0}>
              <ul class="plain-list">
                <For each={unhealthy()}>
                  {(a) => (
                    <li>
                      <strong>{a.name}</strong> ({a.platform}) —{" "}
                      {a.isActive ? t(HEALTH_LABEL[a.health.status]) : t("common.disabled")}
                      <Show when={a.health.until}>
                        {" "}
                        {t("accounts.until", { time: formatDateTime(a.health.until, lang()) })}
                      </Show>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </Show>
        </Show>
      </section>
    </div>
  );
}
