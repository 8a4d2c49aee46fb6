// The public usage page: a key's owner pastes the key and sees usage, limits and what is left.
// No admin login; the key goes only to the relay's stats API and is kept in memory, nowhere else.
import { createMemo, createSignal, Show } from "solid-js";
import { type PublicCosts, type PublicPacks, redeemCardWithKey } from "../api/packs.ts";
import { userModelStats, userStats } from "../api/stats.ts";
import type { ModelPeriod, ModelStat, UserStats } from "../api/types.ts";
import { siteName } from "../branding.ts";
import { ActiveBadge } from "../components/Badge.tsx";
import { CostsLine, PacksPanel, RedeemBox } from "../components/BoosterPacks.tsx";
import { BrandMark, BrandNotice } from "../components/BrandMark.tsx";
import { Chart } from "../components/Chart.tsx";
import { DataTable } from "../components/DataTable.tsx";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { TextField } from "../components/Field.tsx";
import { Switchers } from "../components/Layout.tsx";
import { LimitMeters } from "../components/LimitMeters.tsx";
import { UsageCards } from "../components/StatCard.tsx";
import { lang, t } from "../i18n/index.ts";
import { createAction } from "../lib/action.ts";
import { createForm } from "../lib/form.ts";
import { formatCost, formatDateTime, formatDuration, formatNumber, formatTokens } from "../lib/format.ts";
import { statsCapUses } from "../lib/keys.ts";
import { CLIENT_LABEL, PLATFORM_LABEL } from "../lib/labels.ts";
import { toColumns } from "../lib/series.ts";

/** A key's usage, limits, 30 days and models: the public page (by key) and the user portal (by id). */
export function Report(props: {
  stats: UserStats;
  models: ModelStat[];
  period: ModelPeriod;
  onPeriod: (p: ModelPeriod) => void;
  /** Redeems a quota card for the key shown (with the key, or the portal's key by id). */
  onRedeem?: (code: string) => Promise<void>;
}) {
  const s = () => props.stats;
  // Added to the stats answer with booster packs and rated cost (absent from older relays).
  const extra = () => props.stats as UserStats & { boosterPacks?: PublicPacks | null; costs?: PublicCosts };
  const l = () => s().limits;
  const daily = createMemo(() => toColumns(s().daily, ["requests", "allTokens", "cost"] as const));
  const expiry = () => {
    if (s().expiresAt) return formatDateTime(s().expiresAt, lang());
    if (s().expirationMode === "activation") return t("keys.daysAfterFirstUse", { days: s().activationDays });
    return t("keyForm.never");
  };
  return (
    <div data-testid="stats-report">
      <section class="panel">
        <div class="panel-head">
          <h2>
            {s().name} <ActiveBadge active={s().isActive} />
          </h2>
        </div>
        <dl class="facts">
          <dt>{t("keys.expires")}</dt>
          <dd>{expiry()}</dd>
          <dt>{t("common.created")}</dt>
          <dd>{formatDateTime(s().createdAt, lang())}</dd>
          <dt>{t("limits.permissions")}</dt>
          <dd>
            {s().permissions.length
              ? s()
                  .permissions.map((p) => PLATFORM_LABEL[p])
                  .join(", ")
              : t("stats.allPlatforms")}
          </dd>
          <Show when={s().restrictions.allowedClients.length > 0}>
            <dt>{t("limits.allowedClients")}</dt>
            <dd>
              {s()
                .restrictions.allowedClients.map((c) => CLIENT_LABEL[c])
                .join(", ")}
            </dd>
          </Show>
          <Show when={s().restrictions.restrictedModels.length > 0}>
            <dt>{t("limits.restrictedModels")}</dt>
            <dd>{s().restrictions.restrictedModels.join(", ")}</dd>
          </Show>
        </dl>
      </section>

      <UsageCards
        testIdPrefix="stats"
        usage={(period) => ({ ...s().usage[period], tokens: s().usage[period].allTokens })}
      />

      <section class="panel" data-testid="stats-limits">
        <h2>{t("stats.limits")}</h2>
        <LimitMeters
          limits={l()}
          showLeft
          onlySet
          caps={statsCapUses(l())}
          used={{
            dailyCost: l().currentDailyCost,
            totalCost: l().currentTotalCost,
            weeklyCost: l().currentWeeklyCost,
            tokens: l().currentTotalTokens,
            concurrency: l().activeRequests,
            windowRequests: l().windowRequests,
            windowCost: l().windowCost,
          }}
        />
        <Show when={l().windowEndsAt}>
          {(end) => (
            <p class="muted small">
              {t("stats.windowResets", {
                window: l().rateLimitWindowMinutes,
                time: formatDuration(Date.parse(end()) - Date.now()) || "0s",
              })}
            </p>
          )}
        </Show>
      </section>

      <Show when={extra().costs}>{(costs) => <CostsLine costs={costs()} />}</Show>
      <Show when={extra().boosterPacks}>{(packs) => <PacksPanel packs={packs()} />}</Show>
      <Show when={props.onRedeem}>{(redeem) => <RedeemBox redeem={redeem()} />}</Show>

      <section class="panel">
        <h2>{t("stats.last30")}</h2>
        <div class="chart-grid two">
          <Chart
            title={t("charts.requests")}
            testId="stats-chart-requests"
            daily
            x={daily().x}
            ys={[daily().ys[0] ?? []]}
            series={[
              { label: t("charts.requests"), color: "#2563eb", format: (v) => formatNumber(v), bars: true },
            ]}
          />
          <Chart
            title={t("charts.cost")}
            testId="stats-chart-cost"
            daily
            x={daily().x}
            ys={[daily().ys[2] ?? []]}
            series={[{ label: t("charts.cost"), color: "#d97706", format: formatCost }]}
          />
        </div>
      </section>

      <section class="panel" data-testid="stats-models">
        <div class="panel-head">
          <h2>{t("stats.byModel")}</h2>
          <select
            value={props.period}
            aria-label={t("dashboard.period")}
            onChange={(e) => props.onPeriod(e.currentTarget.value as ModelPeriod)}
          >
            <option value="daily">{t("dashboard.today")}</option>
            <option value="monthly">{t("dashboard.month")}</option>
            <option value="alltime">{t("dashboard.total")}</option>
          </select>
        </div>
        <DataTable
          plain
          rows={props.models}
          empty={t("common.noData")}
          columns={[
            { head: t("keyDetail.model"), cellClass: "mono", cell: (m) => m.model },
            { head: t("common.requests"), class: "num", cell: (m) => formatNumber(m.requests, lang()) },
            { head: t("keyDetail.input"), class: "num", cell: (m) => formatTokens(m.inputTokens) },
            { head: t("keyDetail.output"), class: "num", cell: (m) => formatTokens(m.outputTokens) },
            { head: t("common.tokensTitle"), class: "num", cell: (m) => formatTokens(m.allTokens) },
            { head: t("common.cost"), class: "num", cell: (m) => formatCost(m.cost) },
          ]}
        />
      </section>
    </div>
  );
}

export function PublicStatsPage() {
  const [key, setKey] = createSignal("");
  const [stats, setStats] = createSignal<UserStats | null>(null);
  const [models, setModels] = createSignal<ModelStat[]>([]);
  const [period, setPeriod] = createSignal<ModelPeriod>("monthly");
  let shownKey = "";

  const action = createAction();
  const form = createForm<"apiKey">({
    action,
    check: () => {
      const apiKey = key().trim();
      if (!apiKey) return { apiKey: "validate.required" };
      return /^cr_\S{8,}$/.test(apiKey) ? {} : { apiKey: "stats.keyFormat" };
    },
    send: async () => {
      const apiKey = key().trim();
      try {
        const [s, m] = await Promise.all([userStats(apiKey), userModelStats(apiKey, period())]);
        shownKey = apiKey;
        setStats(s);
        setModels(m);
      } catch (thrown) {
        setStats(null);
        throw thrown;
      }
    },
  });

  const changePeriod = async (p: ModelPeriod) => {
    setPeriod(p);
    try {
      setModels(await userModelStats(shownKey, p));
    } catch (thrown) {
      action.setError(thrown);
    }
  };

  return (
    <div class="public-page">
      <header class="topbar">
        <span class="brand">
          <BrandMark size={22} label={`${siteName()} · ${t("stats.title")}`} />
        </span>
        <div class="topbar-end">
          <Switchers />
        </div>
      </header>
      <main class="content">
        <BrandNotice />
        <form class="panel key-form" onSubmit={form.submit} noValidate>
          <p class="muted">{t("stats.intro")}</p>
          <div class="row wrap">
            <TextField
              label={t("stats.key")}
              error={form.errors().apiKey}
              name="apiKey"
              type="password"
              autocomplete="off"
              placeholder="cr_…"
              value={key()}
              onInput={setKey}
            />
            <button type="submit" class="primary" disabled={form.busy()} data-testid="stats-submit">
              {form.busy() ? t("common.loading") : t("stats.lookUp")}
            </button>
          </div>
          <ErrorBox error={form.apiError()} />
        </form>
        <Show when={stats()}>
          {(s) => (
            <Report
              stats={s()}
              models={models()}
              period={period()}
              onPeriod={changePeriod}
              onRedeem={async (code) => {
                await redeemCardWithKey(shownKey, code);
                setStats(await userStats(shownKey));
              }}
            />
          )}
        </Show>
      </main>
    </div>
  );
}
