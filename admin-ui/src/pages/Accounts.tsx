// Upstream accounts per platform: health (rate-limited until when), a subscription's usage windows
// and quota, priority, concurrency, usage; add any type, edit, reset status, enable/disable, delete.
// Every time on the page is in the browser's zone, named under the title.
import { createSignal, For, Show } from "solid-js";
import { accountTestsApi } from "../api/account-tests.ts";
import { adminApi } from "../api/admin.ts";
import type { AccountTestResult } from "../api/ops-types.ts";
import type { Account, AccountWithHealth } from "../api/types.ts";
import { AccountDailyUsageDialog } from "../components/AccountDailyUsage.tsx";
import { AccountErrorsDialog } from "../components/AccountErrors.tsx";
import { AccountGlance } from "../components/AccountGlance.tsx";
import { AccountTestsDialog, LastTestCell } from "../components/AccountTests.tsx";
import { OutcomeBadge } from "../components/Badge.tsx";
import { DataTable, RowButton, toggleLabel } from "../components/DataTable.tsx";
import { ErrorBox, errorText } from "../components/ErrorBox.tsx";
import { createConfirm } from "../components/Modal.tsx";
import { PageHead } from "../components/PageHead.tsx";
import { tt } from "../i18n/account-tests.ts";
import { lang, t } from "../i18n/index.ts";
import { lt } from "../i18n/request-log.ts";
import { formatReset, hasGlance, STOP_LABEL, zoneName } from "../lib/account-windows.ts";
import { createAction } from "../lib/action.ts";
import { formatCost, formatDateTime, formatDuration, formatNumber } from "../lib/format.ts";
import { HEALTH_LABEL, PLATFORM_LABEL } from "../lib/labels.ts";
import { createLoader, once } from "../lib/loader.ts";
import { AddAccountDialog, EditAccountDialog, TYPE_LABEL } from "./AccountForms.tsx";

type Tab = "claude" | "gemini" | "openai" | "droid";
const TABS: Tab[] = ["claude", "gemini", "openai", "droid"];

/** "Test connection": one tiny request through the account; the verdict stays under the buttons. */
function TestButton(props: { id: string; onTested: () => void }) {
  const [result, setResult] = createSignal<AccountTestResult | null>(null);
  const test = createAction();
  const run = () =>
    void test.run(async () => {
      setResult(null);
      setResult(await adminApi.accounts.test(props.id));
      props.onTested();
    });
  return (
    <>
      <RowButton testId="test-account" disabled={test.busy()} onClick={run}>
        {test.busy() ? t("accounts.testing") : t("accounts.test")}
      </RowButton>
      <Show when={result() ?? test.error()}>
        <div class="test-result small" data-testid="test-result" role="status">
          <Show when={result()} fallback={<span class="error-text">{errorText(test.error())}</span>}>
            {(r) => (
              <>
                <OutcomeBadge ok={r().ok}>
                  {r().ok ? t("accounts.testOk") : t("accounts.testFailed")}
                </OutcomeBadge>{" "}
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
  const [errorsOf, setErrorsOf] = createSignal<Account | null>(null);
  const [testsOf, setTestsOf] = createSignal<Account | null>(null);
  const [dailyOf, setDailyOf] = createSignal<Account | null>(null);
  // Each account's last test and schedule (scheduled tests), in one call.
  const [testsTick, setTestsTick] = createSignal(0);
  const tests = createLoader(testsTick, () => accountTestsApi.overview(), { refreshMs: 30_000 });
  const testOf = (id: string) => tests.data()?.find((entry) => entry.accountId === id);
  const reloadTests = () => setTestsTick(testsTick() + 1);

  const ofTab = () =>
    (accounts.data() ?? [])
      .filter((a) => a.platform === tab())
      .sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  const count = (p: Tab) => (accounts.data() ?? []).filter((a) => a.platform === p).length;
  const reload = async () => {
    await accounts.reload();
    setTick(tick() + 1);
    reloadTests();
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
        <Show when={a.isActive && a.health.status === "blocked"}>
          <div class="muted small" data-testid="blocked-hint">
            {t("accounts.blockedHint")}
          </div>
        </Show>
        <Show when={a.health.status !== "blocked" && until !== null && until > Date.now()}>
          <div class="muted small" title={formatDateTime(a.health.until, lang())}>
            {t("accounts.until", { time: formatDateTime(a.health.until, lang()) })} (
            {formatDuration((until ?? 0) - Date.now())})
          </div>
        </Show>
        <Show when={!a.schedulable}>
          <div class="muted small">{t("accounts.notSchedulable")}</div>
        </Show>
        <Show when={a.health.stopped}>
          {(stopped) => (
            <div class="small stopped" data-testid="account-stopped">
              {t(STOP_LABEL[stopped().reason])}
              <Show when={stopped().until}>
                {(at) => <div class="muted">{t("windows.resumes", { time: formatReset(at(), lang()) })}</div>}
              </Show>
            </div>
          )}
        </Show>
      </>
    );
  };

  return (
    <div class="page">
      <PageHead title={t("nav.accounts")} onRefresh={() => void reload()}>
        <button type="button" class="primary" data-testid="new-account" onClick={() => setAdding(true)}>
          {t("accounts.add")}
        </button>
      </PageHead>
      <p class="muted small zone-note" data-testid="time-zone">
        {t("accounts.timeZone", { zone: zoneName() })}
      </p>
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
      <DataTable
        rows={accounts.data() ? ofTab() : undefined}
        empty={t("accounts.none")}
        testId="accounts-table"
        rowTestId="account-row"
        columns={[
          {
            head: t("common.name"),
            cell: (a) => (
              <>
                <div class="strong">{a.name}</div>
                <div class="muted small">{t(TYPE_LABEL[a.type])}</div>
                <Show when={a.baseUrl}>
                  <div class="muted mono small">{a.baseUrl}</div>
                </Show>
              </>
            ),
          },
          { head: t("common.status"), cell: statusCell },
          {
            head: t("accounts.glance"),
            cell: (a) => (
              <Show when={hasGlance(a, a.health, Date.now())} fallback={<span class="muted">—</span>}>
                <AccountGlance account={a} />
              </Show>
            ),
          },
          { head: t("accounts.priority"), class: "num", cell: (a) => a.priority },
          {
            head: t("limits.concurrency"),
            class: "num",
            cell: (a) => `${a.health.activeLeases} / ${a.concurrencyLimit > 0 ? a.concurrencyLimit : "∞"}`,
          },
          { head: t("accounts.usage"), cell: (a) => <AccountUsageCell id={a.id} tick={tick} /> },
          { head: tt("tests.column"), cell: (a) => <LastTestCell entry={testOf(a.id)} /> },
          {
            head: t("accounts.lastUsed"),
            cellClass: "small",
            cell: (a) => formatDateTime(a.health.lastUsedAt, lang()),
          },
        ]}
        actions={(a) => (
          <>
            <RowButton onClick={() => setEditing(a)}>{t("common.edit")}</RowButton>
            <RowButton
              disabled={action.busy()}
              onClick={() => act(() => adminApi.accounts.resetStatus(a.id))}
            >
              {t("accounts.reset")}
            </RowButton>
            <RowButton
              disabled={action.busy()}
              onClick={() => act(() => adminApi.accounts.update(a.id, { isActive: !a.isActive }))}
            >
              {toggleLabel(a.isActive)}
            </RowButton>
            <RowButton danger onClick={() => confirm.ask(a)}>
              {t("common.delete")}
            </RowButton>
            <TestButton id={a.id} onTested={reloadTests} />
            <RowButton testId="account-tests" onClick={() => setTestsOf(a)}>
              {tt("tests.button")}
            </RowButton>
            <RowButton testId="account-daily" onClick={() => setDailyOf(a)}>
              {tt("daily.button")}
            </RowButton>
            <RowButton testId="account-errors" onClick={() => setErrorsOf(a)}>
              {lt("log.accountErrors")}
            </RowButton>
          </>
        )}
      />

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
      <Show when={errorsOf()}>
        {(a) => <AccountErrorsDialog account={a()} onClose={() => setErrorsOf(null)} />}
      </Show>
      <Show when={testsOf()}>
        {(a) => <AccountTestsDialog account={a()} onClose={() => setTestsOf(null)} onChanged={reloadTests} />}
      </Show>
      <Show when={dailyOf()}>
        {(a) => <AccountDailyUsageDialog account={a()} onClose={() => setDailyOf(null)} />}
      </Show>
      {confirm.dialog()}
    </div>
  );
}
