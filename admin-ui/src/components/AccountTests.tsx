// An account's tests on the Accounts page: its last result and schedule in a cell, and a dialog
// with the interval the cron tests it at (off by default) and the results kept, newest first.
// Times are in the zone the page names.
import { createSignal, For, Show } from "solid-js";
import { type AccountTestEntry, type AccountTestRun, accountTestsApi } from "../api/account-tests.ts";
import { intervalText, tt } from "../i18n/account-tests.ts";
import { lang } from "../i18n/index.ts";
import { createAction } from "../lib/action.ts";
import { formatDateTime } from "../lib/format.ts";
import { createLoader, once } from "../lib/loader.ts";
import { OutcomeBadge } from "./Badge.tsx";
import { DataTable } from "./DataTable.tsx";
import { ErrorBox } from "./ErrorBox.tsx";
import { Modal } from "./Modal.tsx";

/** The intervals offered (minutes); 0 is off. */
export const TEST_INTERVALS = [0, 15, 30, 60, 180, 360, 720, 1440] as const;

function RunBadge(props: { run: AccountTestRun }) {
  return <OutcomeBadge ok={props.run.ok}>{props.run.ok ? tt("tests.ok") : tt("tests.failed")}</OutcomeBadge>;
}

export function LastTestCell(props: { entry: AccountTestEntry | undefined }) {
  return (
    <div class="small" data-testid="last-test">
      <Show when={props.entry?.last} fallback={<span class="muted">{tt("tests.never")}</span>}>
        {(run) => (
          <>
            <RunBadge run={run()} />{" "}
            <span class="muted" title={run().message ?? ""}>
              {formatDateTime(run().at, lang())}
            </span>
          </>
        )}
      </Show>
      <div class="muted" data-testid="test-schedule">
        {props.entry?.intervalMinutes
          ? tt("tests.every", { interval: intervalText(props.entry.intervalMinutes) })
          : tt("tests.off")}
      </div>
    </div>
  );
}

export function AccountTestsDialog(props: {
  account: { id: string; name: string };
  onClose: () => void;
  onChanged: () => void;
}) {
  const tests = createLoader(once, () => accountTestsApi.history(props.account.id));
  const [interval, setInterval] = createSignal<number | null>(null);
  const chosen = () => interval() ?? tests.data()?.intervalMinutes ?? 0;
  const save = createAction(async () => {
    await tests.reload();
    props.onChanged();
  });
  return (
    <Modal title={tt("tests.title", { name: props.account.name })} wide onClose={props.onClose}>
      <div data-testid="account-tests">
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            void save.run(() => accountTestsApi.schedule(props.account.id, chosen()));
          }}
        >
          <label>
            <span>{tt("tests.interval")}</span>{" "}
            <select
              name="intervalMinutes"
              style={{ width: "auto" }}
              value={String(chosen())}
              onChange={(event) => setInterval(Number(event.currentTarget.value))}
            >
              <For each={TEST_INTERVALS}>
                {(minutes) => (
                  <option value={String(minutes)}>
                    {minutes === 0 ? tt("tests.intervalOff") : intervalText(minutes)}
                  </option>
                )}
              </For>
            </select>
          </label>{" "}
          <button type="submit" class="primary" disabled={save.busy()}>
            {tt("tests.save")}
          </button>
        </form>
        <p class="muted small">{tt("tests.intervalHint")}</p>
        <Show when={tests.data()?.nextAt}>
          {(at) => (
            <p class="small" data-testid="next-test">
              {tt("tests.next", { time: formatDateTime(at(), lang()) })}
            </p>
          )}
        </Show>
        <ErrorBox error={save.error() ?? tests.error()} />
        <Show when={tests.data()}>
          {(data) => (
            <Show when={data().history.length > 0} fallback={<p class="muted">{tt("tests.none")}</p>}>
              <p class="muted small">{tt("tests.history", { n: data().history.length })}</p>
              <DataTable
                rows={data().history}
                empty={tt("tests.none")}
                testId="test-history"
                rowTestId="test-run"
                columns={[
                  {
                    head: tt("tests.time"),
                    cellClass: "small",
                    cell: (run) => formatDateTime(run.at, lang()),
                  },
                  { head: tt("tests.result"), cell: (run) => <RunBadge run={run} /> },
                  { head: "HTTP", class: "num", cell: (run) => (run.status > 0 ? run.status : "—") },
                  { head: tt("tests.latency"), class: "num", cell: (run) => `${run.latencyMs} ms` },
                  {
                    head: tt("tests.source"),
                    cellClass: "small",
                    cell: (run) => (run.source === "scheduled" ? tt("tests.scheduled") : tt("tests.manual")),
                  },
                  {
                    head: tt("tests.message"),
                    cellClass: "small break",
                    cell: (run) => (
                      <>
                        {run.upstreamModel ? `${run.model} → ${run.upstreamModel}` : run.model}
                        <Show when={run.message}>
                          <div class="muted">{run.message}</div>
                        </Show>
                      </>
                    ),
                  },
                ]}
              />
            </Show>
          )}
        </Show>
      </div>
    </Modal>
  );
}
