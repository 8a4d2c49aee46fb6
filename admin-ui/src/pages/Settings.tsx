// Settings: the price table in force and the admin's overrides; branding; relay status; where the UI points.
import { type Accessor, createEffect, createSignal, For, on, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import type { PricingInfo } from "../api/types.ts";
import { OutcomeBadge } from "../components/Badge.tsx";
import { BillingSettings } from "../components/BillingSettings.tsx";
import { BrandingSettings } from "../components/BrandingSettings.tsx";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { PageHead } from "../components/PageHead.tsx";
import { RequestLogSettings } from "../components/RequestLogSettings.tsx";
import { createUnpricedLoader, UnpricedModels } from "../components/UnpricedModels.tsx";
import { lang, type MessageKey, t } from "../i18n/index.ts";
import { createAction } from "../lib/action.ts";
import { apiBase } from "../lib/api-base.ts";
import { formatDateTime, formatNumber } from "../lib/format.ts";
import { createLoader, once } from "../lib/loader.ts";
import {
  emptyRow,
  MAIN_FIELDS,
  type MainField,
  type OverrideRow,
  overridesFrom,
  parseOverridesJson,
  rowsFrom,
  withModelRow,
} from "../lib/pricing.ts";

const FIELD_LABEL: Record<MainField, MessageKey> = {
  input_cost_per_token: "pricing.input",
  output_cost_per_token: "pricing.output",
  cache_creation_input_token_cost: "pricing.cacheWrite",
  cache_read_input_token_cost: "pricing.cacheRead",
};

/** A model the operator chose to price (a new object each time, so the same model may come twice). */
interface PriceRequest {
  model: string;
}

function OverridesEditor(props: {
  info: PricingInfo;
  onSaved: (info: PricingInfo) => void;
  request: Accessor<PriceRequest | null>;
}) {
  const [rows, setRows] = createSignal<OverrideRow[]>(rowsFrom(props.info.overrides));
  const [json, setJson] = createSignal<string | null>(null);
  const [rowErrors, setRowErrors] = createSignal<Record<number, MessageKey>>({});
  const [jsonError, setJsonError] = createSignal<MessageKey | null>(null);
  const [apiError, setApiError] = createSignal<unknown>(null);
  const [busy, setBusy] = createSignal(false);
  const [saved, setSaved] = createSignal(false);

  const setRow = (i: number, row: OverrideRow) => setRows(rows().map((r, j) => (j === i ? row : r)));
  const save = async () => {
    setSaved(false);
    let models: PricingInfo["overrides"];
    const text = json();
    if (text !== null) {
      const parsed = parseOverridesJson(text);
      if ("error" in parsed) {
        setJsonError(parsed.error);
        return;
      }
      setJsonError(null);
      models = parsed.models;
    } else {
      const result = overridesFrom(rows());
      setRowErrors(result.errors);
      if (Object.keys(result.errors).length > 0) return;
      models = result.models;
    }
    setBusy(true);
    setApiError(null);
    try {
      const info = await adminApi.pricing.setOverrides(models);
      setRows(rowsFrom(info.overrides));
      if (text !== null) setJson(JSON.stringify(info.overrides, null, 2));
      setSaved(true);
      props.onSaved(info);
    } catch (thrown) {
      setApiError(thrown);
    } finally {
      setBusy(false);
    }
  };
  const toggleJson = () => {
    if (json() === null) {
      const result = overridesFrom(rows());
      setJson(
        JSON.stringify(Object.keys(result.errors).length ? props.info.overrides : result.models, null, 2),
      );
    } else {
      const parsed = parseOverridesJson(json() ?? "");
      if ("error" in parsed) {
        setJsonError(parsed.error);
        return;
      }
      setRows(rowsFrom(parsed.models));
      setJson(null);
    }
    setJsonError(null);
  };

  let table: HTMLTableElement | undefined;
  // "Add a price" on an unpriced model: a row for it (in the table view), its first price focused.
  createEffect(
    on(props.request, (request) => {
      if (!request) return;
      if (json() !== null) toggleJson();
      if (json() !== null) return;
      const { rows: next, index } = withModelRow(rows(), request.model);
      setRows(next);
      queueMicrotask(() => {
        const input = table?.querySelector<HTMLInputElement>(`tr[data-row="${index}"] input[inputmode]`);
        input?.scrollIntoView({ block: "center" });
        input?.focus();
      });
    }),
  );
  return (
    <section class="panel" data-testid="overrides">
      <div class="panel-head">
        <h2>{t("pricing.overrides")}</h2>
        <button type="button" class="secondary small" onClick={toggleJson}>
          {json() === null ? t("pricing.editJson") : t("pricing.editRows")}
        </button>
      </div>
      <p class="muted small">{t("pricing.overridesHint")}</p>
      <Show
        when={json() === null}
        fallback={
          <>
            <textarea
              class="code"
              rows="12"
              value={json() ?? ""}
              onInput={(e) => setJson(e.currentTarget.value)}
              aria-label={t("pricing.overrides")}
            />
            <Show when={jsonError()}>{(e) => <p class="field-error">{t(e())}</p>}</Show>
          </>
        }
      >
        <div class="table-wrap">
          <table class="edit-table" ref={table}>
            <thead>
              <tr>
                <th>{t("pricing.model")}</th>
                <For each={MAIN_FIELDS}>{(f) => <th>{t(FIELD_LABEL[f])}</th>}</For>
                <th />
              </tr>
            </thead>
            <tbody>
              <For each={rows()}>
                {(row, i) => (
                  <>
                    <tr data-row={i()}>
                      <td>
                        <input
                          aria-label={t("pricing.model")}
                          value={row.model}
                          onInput={(e) => setRow(i(), { ...row, model: e.currentTarget.value })}
                        />
                      </td>
                      <For each={MAIN_FIELDS}>
                        {(f) => (
                          <td>
                            <input
                              aria-label={t(FIELD_LABEL[f])}
                              inputmode="decimal"
                              value={row.prices[f]}
                              onInput={(e) =>
                                setRow(i(), { ...row, prices: { ...row.prices, [f]: e.currentTarget.value } })
                              }
                            />
                          </td>
                        )}
                      </For>
                      <td>
                        <button
                          type="button"
                          class="small danger"
                          onClick={() => setRows(rows().filter((_, j) => j !== i()))}
                        >
                          {t("common.remove")}
                        </button>
                      </td>
                    </tr>
                    <Show when={rowErrors()[i()]}>
                      {(e) => (
                        <tr>
                          <td colSpan={6} class="field-error">
                            {t(e())}
                          </td>
                        </tr>
                      )}
                    </Show>
                  </>
                )}
              </For>
            </tbody>
          </table>
        </div>
        <Show when={rows().length === 0}>
          <p class="muted">{t("pricing.noOverrides")}</p>
        </Show>
        <button type="button" class="secondary small" onClick={() => setRows([...rows(), emptyRow()])}>
          + {t("pricing.addRow")}
        </button>
      </Show>
      <ErrorBox error={apiError()} />
      <div class="actions">
        <Show when={saved()}>
          <span class="ok">{t("common.saved")}</span>
        </Show>
        <button type="button" class="primary" disabled={busy()} onClick={save}>
          {t("common.save")}
        </button>
      </div>
    </section>
  );
}

export function SettingsPage() {
  const pricing = createLoader(once, () => adminApi.pricing.get());
  const unpriced = createUnpricedLoader();
  const [priceRequest, setPriceRequest] = createSignal<PriceRequest | null>(null);
  const status = createLoader(once, () => adminApi.status());
  const [refreshResult, setRefreshResult] = createSignal<{
    ok: boolean;
    models: number;
    error?: string;
  } | null>(null);
  const refresher = createAction(() => pricing.reload());
  const refresh = () =>
    void refresher.run(async () => {
      setRefreshResult(null);
      setRefreshResult(await adminApi.pricing.refresh());
    });

  return (
    <div class="page">
      <PageHead title={t("nav.settings")} />
      <section class="panel" data-testid="pricing">
        <div class="panel-head">
          <h2>{t("pricing.title")}</h2>
          <button type="button" class="secondary" disabled={refresher.busy()} onClick={refresh}>
            {refresher.busy() ? t("pricing.refreshing") : t("pricing.refresh")}
          </button>
        </div>
        <ErrorBox error={pricing.error() ?? refresher.error()} />
        <Show when={refreshResult()}>
          {(r) => (
            <p class={r().ok ? "ok" : "error-box"} role="status">
              {r().ok
                ? t("pricing.refreshed", { n: r().models })
                : t("pricing.refreshFailed", { error: r().error ?? "" })}
            </p>
          )}
        </Show>
        <Show when={pricing.data()}>
          {(info) => (
            <dl class="facts">
              <dt>{t("pricing.source")}</dt>
              <dd>{info().source === "fetched" ? t("pricing.fetched") : t("pricing.shipped")}</dd>
              <dt>{t("pricing.models")}</dt>
              <dd>{formatNumber(info().models, lang())}</dd>
              <Show when={info().fetched}>
                {(f) => (
                  <>
                    <dt>{t("pricing.fetchedAt")}</dt>
                    <dd>{formatDateTime(f().at, lang())}</dd>
                    <dt>{t("pricing.url")}</dt>
                    <dd class="mono small break">{f().source}</dd>
                  </>
                )}
              </Show>
              <dt>{t("pricing.overrides")}</dt>
              <dd>{Object.keys(info().overrides).length}</dd>
            </dl>
          )}
        </Show>
      </section>
      <UnpricedModels loader={unpriced} onPrice={(model) => setPriceRequest({ model })} />
      <Show when={pricing.data()}>
        {(info) => (
          <OverridesEditor
            info={info()}
            request={priceRequest}
            onSaved={(next) => {
              pricing.set(next);
              void unpriced.reload();
            }}
          />
        )}
      </Show>

      <BrandingSettings />

      <RequestLogSettings />
      <BillingSettings />

      <section class="panel" data-testid="status">
        <h2>{t("settings.status")}</h2>
        <ErrorBox error={status.error()} />
        <Show when={status.data()}>
          {(s) => (
            <dl class="facts">
              <dt>{t("settings.version")}</dt>
              <dd>{s().version}</dd>
              <dt>{t("settings.keyspace")}</dt>
              <dd>
                <OutcomeBadge ok={s().keyspace.ok}>
                  {s().keyspace.ok ? t("settings.ok") : t("settings.down")}
                </OutcomeBadge>{" "}
                {s().keyspace.latencyMs} ms
              </dd>
              <dt>{t("nav.keys")}</dt>
              <dd>{t("settings.activeOf", { active: s().keys.active, total: s().keys.total })}</dd>
              <dt>{t("nav.accounts")}</dt>
              <dd>{t("settings.activeOf", { active: s().accounts.active, total: s().accounts.total })}</dd>
              <dt>{t("settings.apiBase")}</dt>
              <dd class="mono small break">{apiBase() || globalThis.location.origin}</dd>
            </dl>
          )}
        </Show>
      </section>
    </div>
  );
}
