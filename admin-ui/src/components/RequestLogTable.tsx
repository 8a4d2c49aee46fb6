// Requests as the log keeps them: time (browser zone, named by the page), key and its owner,
// account, model, status, tokens, cost, duration and what a failed one was told. The request log
// page and an account's error history show the same table.
import { createSignal, Show } from "solid-js";
import type { LogEntry, LogPage } from "../api/request-log.ts";
import { lang, t } from "../i18n/index.ts";
import { lt } from "../i18n/request-log.ts";
import { createAction } from "../lib/action.ts";
import { formatCost, formatNumber, formatTokens } from "../lib/format.ts";
import { formatLogTime, formatMs, statusTone } from "../lib/request-log.ts";
import { Link } from "../router.tsx";
import { DataTable } from "./DataTable.tsx";
import { ErrorBox } from "./ErrorBox.tsx";

export function RequestLogTable(props: {
  rows: readonly LogEntry[] | undefined;
  empty: string;
  testId?: string;
  /** One account's history names its account once, above the table. */
  hideAccount?: boolean;
}) {
  const tokensTitle = (e: LogEntry) =>
    lt("log.tokensTitle", {
      input: formatNumber(e.usage.input_tokens, lang()),
      output: formatNumber(e.usage.output_tokens, lang()),
      cacheWrite: formatNumber(e.usage.cache_creation_input_tokens, lang()),
      cacheRead: formatNumber(e.usage.cache_read_input_tokens, lang()),
    });
  return (
    <DataTable
      rows={props.rows}
      empty={props.empty}
      class="log-table"
      testId={props.testId}
      rowTestId="log-row"
      rowAttrs={(e) => ({ "data-request-id": e.requestId, "data-status": String(e.status) })}
      columns={[
        { head: lt("log.time"), cellClass: "small nowrap", cell: (e) => formatLogTime(e.at, lang()) },
        {
          head: lt("log.key"),
          cellClass: "nowrap",
          cell: (e) => (
            <>
              <Link href={`/keys/${e.keyId}`}>{e.keyName ?? e.keyId}</Link>
              <Show when={e.userName ?? e.userId}>
                {(user) => (
                  <div class="muted small" title={lt("log.user")}>
                    {user()}
                  </div>
                )}
              </Show>
            </>
          ),
        },
        ...(props.hideAccount
          ? []
          : [
              {
                head: lt("log.account"),
                cellClass: "small",
                cell: (e: LogEntry) => e.accountName ?? e.accountId ?? "—",
              },
            ]),
        { head: lt("log.model"), cellClass: "mono small nowrap", cell: (e) => e.model },
        {
          head: t("common.status"),
          class: "num",
          cell: (e) => <span class={`badge ${statusTone(e.status)}`}>{e.status}</span>,
        },
        {
          head: lt("log.tokens"),
          class: "num",
          cell: (e) => <span title={tokensTitle(e)}>{formatTokens(e.totalTokens)}</span>,
        },
        { head: t("common.cost"), class: "num", cell: (e) => formatCost(e.costUsd) },
        { head: lt("log.duration"), class: "num", cellClass: "nowrap", cell: (e) => formatMs(e.durationMs) },
        {
          head: lt("log.error"),
          cellClass: "small",
          cell: (e) => (
            <Show when={e.errorType} fallback={<span class="muted">—</span>}>
              <span class="mono">{e.errorType}</span>
              <Show when={!e.served}>
                <span class="muted"> · {lt("log.refused")}</span>
              </Show>
              <Show when={e.message}>
                <div class="muted break">{e.message}</div>
              </Show>
            </Show>
          ),
        },
      ]}
    />
  );
}

/** Pages of the log gathered newest first: `reset` starts over, `older` adds the next page. */
export function createLogPager(fetchPage: (cursor?: string) => Promise<LogPage>) {
  const [rows, setRows] = createSignal<LogEntry[] | undefined>();
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [scanned, setScanned] = createSignal(0);
  const [short, setShort] = createSignal(false);
  const action = createAction();
  let sequence = 0;
  const load = (from?: string) =>
    action.run(async () => {
      const mine = ++sequence;
      const page = await fetchPage(from);
      if (mine !== sequence) return;
      setRows([...(from ? (rows() ?? []) : []), ...page.entries]);
      setCursor(page.nextCursor);
      setScanned((n) => (from ? n : 0) + page.scanned);
      // A page that stopped scanning before it was full: more may match further back.
      setShort(page.nextCursor !== null && page.entries.length < PAGE_SIZE);
    });
  return {
    rows,
    cursor,
    scanned,
    short,
    action,
    reset: () => load(),
    older: () => {
      const from = cursor();
      return from ? load(from) : Promise.resolve(false);
    },
  };
}

export const PAGE_SIZE = 50;

export function LogPagerFooter(props: { pager: ReturnType<typeof createLogPager>; end?: string }) {
  const p = props.pager;
  return (
    <>
      <ErrorBox error={p.action.error()} />
      <Show when={p.short()}>
        <p class="muted small" data-testid="log-scanned">
          {lt("log.scanned", { n: formatNumber(p.scanned(), lang()) })}
        </p>
      </Show>
      <div class="pager">
        <Show when={!p.cursor() && (p.rows()?.length ?? 0) > 0 && props.end}>
          <span class="muted small" data-testid="log-end">
            {props.end}
          </span>
        </Show>
        <Show when={p.cursor()}>
          <button
            type="button"
            class="secondary"
            data-testid="log-older"
            disabled={p.action.busy()}
            onClick={() => void p.older()}
          >
            {lt("log.older")}
          </button>
        </Show>
      </div>
    </>
  );
}
