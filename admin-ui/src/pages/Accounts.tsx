// Upstream accounts per platform: health (rate-limited until when), priority, concurrency, usage;
// add any type, edit, reset status, enable/disable, delete.
import { createSignal, For, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import type { AccountTestResult } from "../api/ops-types.ts";
import type { Account, AccountWithHealth } from "../api/types.ts";
import { ErrorBox, errorText } from "../components/ErrorBox.tsx";
import { createConfirm } from "../components/Modal.tsx";
import { lang, t } from "../i18n/index.ts";
import { createAction } from "../lib/action.ts";
import { formatCost, formatDateTime, formatDuration, formatNumber } from "../lib/format.ts";
import { HEALTH_LABEL, PLATFORM_LABEL } from "../lib/labels.ts";
import { createLoader, once } from "../lib/loader.ts";
import { AddAccountDialog, EditAccountDialog, TYPE_LABEL } from "./AccountForms.tsx";

type Tab = "claude" | "gemini" | "openai" | "droid";
const TABS: Tab[] = ["claude", "gemini", "openai", "droid"];

/** "Test connection": one tiny request through the account; the verdict stays under the buttons. */
function TestButton(props: { id: string }) {
  const [result, setResult] = createSignal<AccountTestResult | null>(null);
  const test = createAction();
  const run = () =>
    void test.run(async () => {
      setResult(null);
      setResult(await adminApi.accounts.test(props.id));
    });
  return (
    <>
      <button
        type="button"
        class="small secondary"
        disabled={test.busy()}
        onClick={run}
        data-testid="test-account"
      >
        {test.busy() ? t("accounts.testing") : t("accounts.test")}
      </button>
      <Show when={result() ?? test.error()}>
        <div class="test-result small" data-testid="test-result" role="status">
          <Show when={result()} fallback={<span class="error-text">{errorText(test.error())}</span>}>
            {(r) => (
              <>
                <span class={`badge ${r().ok ? "active" : "error"}`}>
                  {r().ok ? t("accounts.testOk") : t("accounts.testFailed")}
                </span>{" "}
                {r().status > 0 ? `HTTP ${r().status} · ` : ""}
                {r().latencyMs} ms · {r().model}
                <Show when={r().message}>
                  <div class="muted break">{r().message}</div>
                </Show>
              </>
            )}
          </Show>
        </div>
      </Show>
    </>
  );
}

function AccountUsageCell(props: { id: string; tick: () => number }) {
  const usage = createLoader(
    () => [props.id, props.tick()] as const,
    ([id]) => adminApi.accounts.usage(id),
  );
  return (
    <Show when={usage.data()} fallback={<span class="muted">{usage.error() ? "—" : "…"}</span>}>
      {(u) => (
        <div class="small">
          <div>
            {t("dashboard.today")}: {formatCost(u().today.cost)} ·{" "}
            {t("dashboard.requestsN", { n: formatNumber(u().today.requests, lang()) })}
          </div>
          <div class="muted">
            {t("dashboard.total")}: {formatCost(u().total.cost)} ·{" "}
            {t("dashboard.requestsN", { n: formatNumber(u().total.requests, lang()) })}
          </div>
        </div>
      )}
    </Show>
  );
}

export function AccountsPage() {
  const accounts = createLoader(once, () => adminApi.accounts.list(), { refreshMs: 30_000 });
  const [tab, setTab] = createSignal<Tab>("claude");
  const [tick, setTick] = createSignal(0);
  const [adding, setAdding] = createSignal(false);
  const [editing, setEditing] = createSignal<Account | null>(null);

  const ofTab = () =>
    (accounts.data() ?? [])
      .filter((a) => a.platform === tab())
      .sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  const count = (p: Tab) => (accounts.data() ?? []).filter((a) => a.platform === p).length;
  const reload = async () => {
    await accounts.reload();
    setTick(tick() + 1);
  };
  const action = createAction(reload);
  const act = (work: () => Promise<unknown>) => void action.run(work);
  const confirm = createConfirm<Account>({
    action,
    title: () => t("accounts.deleteTitle"),
    message: (a) => t("accounts.deleteConfirm", { name: a.name }),
    confirmLabel: () => t("common.delete"),
    work: (a) => adminApi.accounts.remove(a.id),
  });

  const statusCell = (a: AccountWithHealth) => {
    const until = a.health.until ? Date.parse(a.health.until) : null;
    return (
      <>
        <span class={`badge ${a.isActive ? a.health.status : "disabled"}`}>
          {a.isActive ? t(HEALTH_LABEL[a.health.status]) : t("common.disabled")}
        </span>
        <Show when={until !== null && until > Date.now()}>
          <div class="muted small" title={formatDateTime(a.health.until, lang())}>
            {t("accounts.until", { time: formatDateTime(a.health.until, lang()) })} (
            {formatDuration((until ?? 0) - Date.now())})
          </div>
        </Show>
        <Show when={!a.schedulable}>
          <div class="muted small">{t("accounts.notSchedulable")}</div>
        </Show>
      </>
    );
  };

  return (
    <div class="page">
      <div class="page-head">
        <h1>{t("nav.accounts")}</h1>
        <div class="row">
          <button type="button" class="secondary" onClick={() => void reload()}>
            {t("common.refresh")}
          </button>
          <button type="button" class="primary" data-testid="new-account" onClick={() => setAdding(true)}>
            {t("accounts.add")}
          </button>
        </div>
      </div>
      <div class="tabs" role="tablist">
        <For each={TABS}>
          {(p) => (
            <button
              type="button"
              role="tab"
              aria-selected={tab() === p}
              classList={{ on: tab() === p }}
              onClick={() => setTab(p)}
            >
              {PLATFORM_LABEL[p]} <span class="count">{count(p)}</span>
            </button>
          )}
        </For>
      </div>
      <ErrorBox error={accounts.error()} />
      <ErrorBox error={confirm.pageError()} />
      <Show when={accounts.data()}>
        <Show when={ofTab().length > 0} fallback={<p class="muted">{t("accounts.none")}</p>}>
          <div class="table-wrap">
            <table class="cards" data-testid="accounts-table">
              <thead>
                <tr>
                  <th>{t("common.name")}</th>
                  <th>{t("common.status")}</th>
                  <th class="num">{t("accounts.priority")}</th>
                  <th class="num">{t("limits.concurrency")}</th>
                  <th>{t("accounts.usage")}</th>
                  <th>{t("accounts.lastUsed")}</th>
                  <th class="actions-col">{t("common.actions")}</th>
                </tr>
              </thead>
              <tbody>
                <For each={ofTab()}>
                  {(a) => (
                    <tr data-testid="account-row">
                      <td>
                        <div class="strong">{a.name}</div>
                        <div class="muted small">{t(TYPE_LABEL[a.type])}</div>
                        <Show when={a.baseUrl}>
                          <div class="muted mono small">{a.baseUrl}</div>
                        </Show>
                      </td>
                      <td data-label={t("common.status")}>{statusCell(a)}</td>
                      <td class="num" data-label={t("accounts.priority")}>
                        {a.priority}
                      </td>
                      <td class="num" data-label={t("limits.concurrency")}>
                        {a.health.activeLeases} / {a.concurrencyLimit > 0 ? a.concurrencyLimit : "∞"}
                      </td>
                      <td data-label={t("accounts.usage")}>
                        <AccountUsageCell id={a.id} tick={tick} />
                      </td>
                      <td class="small" data-label={t("accounts.lastUsed")}>
                        {formatDateTime(a.health.lastUsedAt, lang())}
                      </td>
                      <td class="actions-col">
                        <div class="row-actions">
                          <button type="button" class="small secondary" onClick={() => setEditing(a)}>
                            {t("common.edit")}
                          </button>
                          <button
                            type="button"
                            class="small secondary"
                            disabled={action.busy()}
                            onClick={() => act(() => adminApi.accounts.resetStatus(a.id))}
                          >
                            {t("accounts.reset")}
                          </button>
                          <button
                            type="button"
                            class="small secondary"
                            disabled={action.busy()}
                            onClick={() =>
                              act(() => adminApi.accounts.update(a.id, { isActive: !a.isActive }))
                            }
                          >
                            {a.isActive ? t("common.disable") : t("common.enable")}
                          </button>
                          <button type="button" class="small danger" onClick={() => confirm.ask(a)}>
                            {t("common.delete")}
                          </button>
                          <TestButton id={a.id} />
                        </div>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Show>
      </Show>

      <Show when={adding()}>
        <AddAccountDialog
          platform={tab()}
          onClose={() => setAdding(false)}
          onSaved={(a) => {
            setAdding(false);
            setTab(a.platform);
            void reload();
          }}
        />
      </Show>
      <Show when={editing()}>
        {(a) => (
          <EditAccountDialog
            account={a()}
            onClose={() => setEditing(null)}
            onSaved={() => {
              setEditing(null);
              void reload();
            }}
          />
        )}
      </Show>
      {confirm.dialog()}
    </div>
  );
}
