// One key: its settings, live limit state (KeyGate), usage totals and charts, recent requests.
import { createSignal, For, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import { packsApi } from "../api/packs.ts";
import type { Counters, KeyLimits, KeyLive, RelayKey } from "../api/types.ts";
import { KeyStatusBadge } from "../components/Badge.tsx";
import { AdminPacksPanel } from "../components/BoosterPacks.tsx";
import { DataTable, toggleLabel } from "../components/DataTable.tsx";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { LimitMeters } from "../components/LimitMeters.tsx";
import { PageHead } from "../components/PageHead.tsx";
import { UsageCards } from "../components/StatCard.tsx";
import { UsageCharts } from "../components/UsageCharts.tsx";
import { lang, type MessageKey, t } from "../i18n/index.ts";
import { pt } from "../i18n/packs.ts";
import {
  formatCost,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatTokens,
  microToUsd,
} from "../lib/format.ts";
import { liveCapUses } from "../lib/keys.ts";
import { CLIENT_LABEL, COST_PLATFORM_LABEL, PLATFORM_LABEL } from "../lib/labels.ts";
import { createLoader } from "../lib/loader.ts";
import { Link, navigate } from "../router.tsx";
import { KeyFormDialog } from "./KeyForm.tsx";
import { expiryText, useKeyActions } from "./Keys.tsx";

const countersCost = (c: Counters) => microToUsd(c.costMicroUsd);
const countersTokens = (c: Counters) =>
  c.inputTokens + c.outputTokens + c.cacheCreateTokens + c.cacheReadTokens;

/** The limits that are set, as label/value lines. */
function limitLines(l: KeyLimits): { label: MessageKey; value: string }[] {
  const lines: { label: MessageKey; value: string }[] = [];
  const add = (on: boolean, label: MessageKey, value: string) => on && lines.push({ label, value });
  add(l.dailyCostLimit > 0, "limits.dailyCost", formatCost(l.dailyCostLimit));
  add(l.totalCostLimit > 0, "limits.totalCost", formatCost(l.totalCostLimit));
  add(
    l.weeklyCostLimit > 0,
    "limits.weeklyCost",
    `${formatCost(l.weeklyCostLimit)} (${t("limits.resetsAt", { day: l.weeklyResetDay, hour: l.weeklyResetHour })})`,
  );
  add(l.rateLimitWindowMinutes > 0, "limits.window", t("limits.minutes", { n: l.rateLimitWindowMinutes }));
  add(l.rateLimitRequests > 0, "limits.windowRequests", String(l.rateLimitRequests));
  add(l.rateLimitCost > 0, "limits.windowCost", formatCost(l.rateLimitCost));
  add(l.concurrencyLimit > 0, "limits.concurrency", String(l.concurrencyLimit));
  add(l.concurrencyQueueSeconds > 0, "limits.queueSeconds", String(l.concurrencyQueueSeconds));
  add(l.tokenLimit > 0, "limits.tokens", formatTokens(l.tokenLimit));
  add(l.permissions.length > 0, "limits.permissions", l.permissions.map((p) => PLATFORM_LABEL[p]).join(", "));
  add(
    l.allowedClients.length > 0,
    "limits.allowedClients",
    l.allowedClients.map((c) => CLIENT_LABEL[c]).join(", "),
  );
  add(l.restrictedModels.length > 0, "limits.restrictedModels", l.restrictedModels.join(", "));
  const caps = (list: { name: string; dailyCostLimit: number; totalCostLimit: number }[]) =>
    list
      .map((c) =>
        t("limits.capLine", {
          name: c.name,
          daily: c.dailyCostLimit > 0 ? formatCost(c.dailyCostLimit) : t("limits.capNone"),
          total: c.totalCostLimit > 0 ? formatCost(c.totalCostLimit) : t("limits.capNone"),
        }),
      )
      .join(t("limits.capSeparator"));
  add(
    l.platformLimits.length > 0,
    "limits.platformCaps",
    caps(l.platformLimits.map((c) => ({ ...c, name: COST_PLATFORM_LABEL[c.platform] }))),
  );
  add(
    l.modelLimits.length > 0,
    "limits.modelCaps",
    caps(l.modelLimits.map((c) => ({ ...c, name: c.model }))),
  );
  return lines;
}

function LivePanel(props: { keyRecord: RelayKey; live: KeyLive }) {
  const l = () => props.keyRecord.limits;
  const windowEnd = () =>
    props.live.window && l().rateLimitWindowMinutes > 0
      ? props.live.window.start + l().rateLimitWindowMinutes * 60_000
      : null;
  return (
    <section class="panel" data-testid="live">
      <h2>{t("keyDetail.live")}</h2>
      <LimitMeters
        dailyTestId="live-daily"
        caps={liveCapUses(props.live)}
        limits={l()}
        used={{
          dailyCost: microToUsd(props.live.spend.dayCostMicroUsd),
          totalCost: microToUsd(props.live.spend.totalCostMicroUsd),
          weeklyCost: microToUsd(props.live.spend.weekCostMicroUsd),
          tokens: props.live.spend.totalTokens,
          concurrency: props.live.activeLeases,
          windowRequests: props.live.window?.requests ?? 0,
          windowCost: microToUsd(props.live.window?.costMicroUsd ?? 0),
        }}
      />
      <p class="muted small">
        {t("keyDetail.queued", { n: props.live.queued })}
        <Show when={windowEnd()}>
          {(end) => <> · {t("keyDetail.windowEnds", { time: formatDuration(end() - Date.now()) || "0s" })}</>}
        </Show>
      </p>
    </section>
  );
}

export function KeyDetailPage(props: { id: string }) {
  const [tick, setTick] = createSignal(0);
  const key = createLoader(
    () => props.id,
    (id) => adminApi.keys.get(id),
  );
  const live = createLoader(
    () => [props.id, tick()] as const,
    ([id]) => adminApi.keys.live(id),
  );
  const usage = createLoader(
    () => [props.id, tick()] as const,
    ([id]) => adminApi.keys.usage(id),
  );
  const packs = createLoader(
    () => [props.id, tick()] as const,
    ([id]) => packsApi.list(id),
  );
  const [editing, setEditing] = createSignal(false);
  const actions = useKeyActions((changed) => {
    if (changed) key.set(changed);
    else navigate("/keys");
  });
  const refresh = () => setTick(tick() + 1);

  return (
    <div class="page">
      <p>
        <Link href="/keys">← {t("nav.keys")}</Link>
      </p>
      <ErrorBox error={key.error()} />
      <Show when={key.data()}>
        {(k) => (
          <>
            <PageHead
              title={
                <>
                  {k().name} <KeyStatusBadge keyRecord={k()} />
                </>
              }
              onRefresh={refresh}
            >
              <button
                type="button"
                class="secondary"
                data-testid="key-setup-guide"
                onClick={() => navigate(`/keys/${encodeURIComponent(k().id)}/setup`)}
              >
                {t("nav.setupGuide")}
              </button>
              <button type="button" class="secondary" onClick={() => setEditing(true)}>
                {t("common.edit")}
              </button>
              <button type="button" class="secondary" onClick={() => actions.toggle(k())}>
                {toggleLabel(k().isActive)}
              </button>
              <button type="button" class="danger" onClick={() => actions.askDelete(k())}>
                {t("common.delete")}
              </button>
            </PageHead>
            <ErrorBox error={actions.error()} />
            <section class="panel">
              <dl class="facts">
                <dt>{t("keyDetail.id")}</dt>
                <dd class="mono">{k().id}</dd>
                <dt>{t("keyDetail.preview")}</dt>
                <dd class="mono">{k().preview}</dd>
                <dt>{t("common.created")}</dt>
                <dd>{formatDateTime(k().createdAt, lang())}</dd>
                <dt>{t("keys.expires")}</dt>
                <dd>{expiryText(k())}</dd>
                <Show when={k().tags.length > 0}>
                  <dt>{t("keyForm.tags")}</dt>
                  <dd>{k().tags.join(", ")}</dd>
                </Show>
                <Show when={k().description}>
                  <dt>{t("common.description")}</dt>
                  <dd>{k().description}</dd>
                </Show>
                <For each={limitLines(k().limits)}>
                  {(line) => (
                    <>
                      <dt>{t(line.label)}</dt>
                      <dd>{line.value}</dd>
                    </>
                  )}
                </For>
              </dl>
              <Show when={k().limits.rateMultiplier !== 1}>
                <dl class="facts">
                  <dt>{pt("costs.multiplier")}</dt>
                  <dd data-testid="key-rate-multiplier">×{k().limits.rateMultiplier}</dd>
                </dl>
              </Show>
              <Show when={limitLines(k().limits).length === 0}>
                <p class="muted">{t("keyDetail.noLimits")}</p>
              </Show>
            </section>

            <ErrorBox error={live.error()} />
            <Show when={live.data()}>{(state) => <LivePanel keyRecord={k()} live={state()} />}</Show>

            <ErrorBox error={packs.error()} />
            <Show when={packs.data()}>
              {(state) => (
                <AdminPacksPanel
                  state={state()}
                  grant={async (pack) => {
                    packs.set(await packsApi.grant(k().id, pack));
                  }}
                />
              )}
            </Show>

            <ErrorBox error={usage.error()} />
            <Show when={usage.data()}>
              {(u) => (
                <UsageCards
                  testId="key-usage"
                  testIdPrefix="key"
                  usage={(period) => ({
                    cost: countersCost(u()[period]),
                    requests: u()[period].requests,
                    tokens: countersTokens(u()[period]),
                  })}
                />
              )}
            </Show>

            <UsageCharts owner="key" id={k().id} reloadSignal={tick} />

            <section class="panel">
              <h2>{t("keyDetail.recent")}</h2>
              <DataTable
                plain
                rows={usage.data()?.recent ?? []}
                empty={t("common.noData")}
                testId="recent"
                columns={[
                  { head: t("keyDetail.time"), cell: (r) => formatDateTime(r.at, lang()) },
                  { head: t("keyDetail.model"), cellClass: "mono", cell: (r) => r.model },
                  { head: t("common.status"), class: "num", cell: (r) => r.status },
                  {
                    head: t("keyDetail.input"),
                    class: "num",
                    cell: (r) => formatNumber(r.usage.input_tokens, lang()),
                  },
                  {
                    head: t("keyDetail.output"),
                    class: "num",
                    cell: (r) => formatNumber(r.usage.output_tokens, lang()),
                  },
                  {
                    head: t("keyDetail.cache"),
                    class: "num",
                    cell: (r) =>
                      `${formatNumber(r.usage.cache_creation_input_tokens, lang())} / ${formatNumber(r.usage.cache_read_input_tokens, lang())}`,
                  },
                  {
                    head: t("common.cost"),
                    class: "num",
                    cell: (r) => formatCost(microToUsd(r.costMicroUsd)),
                  },
                  {
                    head: t("keyDetail.duration"),
                    class: "num",
                    cell: (r) => `${formatNumber(Math.round(r.durationMs), lang())} ms`,
                  },
                ]}
              />
            </section>

            <Show when={editing()}>
              <KeyFormDialog
                editing={k()}
                onClose={() => setEditing(false)}
                onSaved={(saved) => {
                  setEditing(false);
                  key.set(saved);
                  refresh();
                }}
              />
            </Show>
            {actions.dialog()}
          </>
        )}
      </Show>
    </div>
  );
}
