// The request log: recent requests newest first, filtered by key, account, model, status class,
// errors only and time (in the browser's zone, named under the title), paged by the API's cursor.
// The filters live in the page's address, so a filtered view can be linked (an account's requests).
import { createEffect, createSignal, For, on } from "solid-js";
import { adminApi } from "../api/admin.ts";
import { requestLogApi } from "../api/request-log.ts";
import { PageHead } from "../components/PageHead.tsx";
import {
  createLogPager,
  LogPagerFooter,
  PAGE_SIZE,
  RequestLogTable,
} from "../components/RequestLogTable.tsx";
import { lang, t } from "../i18n/index.ts";
import { lt } from "../i18n/request-log.ts";
import { zoneName } from "../lib/account-windows.ts";
import { formatNumber } from "../lib/format.ts";
import { createLoader, once } from "../lib/loader.ts";
import {
  emptyFilters,
  filtersFromSearch,
  type LogFilters,
  logQuery,
  type StatusClass,
  searchOf,
} from "../lib/request-log.ts";
import { navigate } from "../router.tsx";

export function RequestLogPage() {
  const [filters, setFilters] = createSignal<LogFilters>(filtersFromSearch(globalThis.location.search));
  const set = <F extends keyof LogFilters>(field: F, value: LogFilters[F]) =>
    setFilters({ ...filters(), [field]: value });
  const keys = createLoader(once, () => adminApi.keys.list());
  const accounts = createLoader(once, () => adminApi.accounts.list());
  const settings = createLoader(once, () => requestLogApi.settings());
  const pager = createLogPager((cursor) => requestLogApi.page(logQuery(filters(), cursor, PAGE_SIZE)));

  createEffect(
    on(filters, (f) => {
      if (globalThis.location.search !== searchOf(f))
        navigate(`/request-log${searchOf(f)}`, { replace: true });
      void pager.reset();
    }),
  );

  const end = () => {
    const s = settings.data();
    return s ? lt("log.end", { days: s.retentionDays, max: formatNumber(s.maxEntries, lang()) }) : undefined;
  };

  return (
    <div class="page">
      <PageHead title={t("nav.requestLog")} onRefresh={() => void pager.reset()} />
      <p class="muted small zone-note" data-testid="time-zone">
        {lt("log.timeZone", { zone: zoneName() })}
      </p>
      <div class="toolbar log-filters" data-testid="log-filters">
        <select
          aria-label={lt("log.key")}
          name="keyId"
          value={filters().keyId}
          onChange={(e) => set("keyId", e.currentTarget.value)}
        >
          <option value="">{lt("log.allKeys")}</option>
          <For each={keys.data() ?? []}>{(k) => <option value={k.id}>{k.name}</option>}</For>
        </select>
        <select
          aria-label={lt("log.account")}
          name="accountId"
          value={filters().accountId}
          onChange={(e) => set("accountId", e.currentTarget.value)}
        >
          <option value="">{lt("log.allAccounts")}</option>
          <For each={accounts.data() ?? []}>{(a) => <option value={a.id}>{a.name}</option>}</For>
        </select>
        <input
          type="search"
          name="model"
          aria-label={lt("log.model")}
          placeholder={lt("log.modelPlaceholder")}
          value={filters().model}
          onChange={(e) => set("model", e.currentTarget.value)}
        />
        <select
          aria-label={t("common.status")}
          name="status"
          value={filters().status}
          onChange={(e) => set("status", e.currentTarget.value as StatusClass)}
        >
          <option value="">{lt("log.allStatuses")}</option>
          <For each={["2xx", "4xx", "5xx"]}>{(s) => <option value={s}>{s}</option>}</For>
        </select>
        <label class="check">
          <input
            type="checkbox"
            name="errorsOnly"
            checked={filters().errorsOnly}
            onChange={(e) => set("errorsOnly", e.currentTarget.checked)}
          />
          {lt("log.errorsOnly")}
        </label>
        <label class="log-time">
          <span class="muted small">{lt("log.from")}</span>
          <input
            type="datetime-local"
            class="log-time-input"
            name="from"
            step="1"
            value={filters().from}
            onChange={(e) => set("from", e.currentTarget.value)}
          />
        </label>
        <label class="log-time">
          <span class="muted small">{lt("log.to")}</span>
          <input
            type="datetime-local"
            class="log-time-input"
            name="to"
            step="1"
            value={filters().to}
            onChange={(e) => set("to", e.currentTarget.value)}
          />
        </label>
        <button
          type="button"
          class="secondary"
          data-testid="log-clear"
          onClick={() => setFilters(emptyFilters())}
        >
          {lt("log.clear")}
        </button>
      </div>
      <section class="panel">
        <RequestLogTable rows={pager.rows()} empty={lt("log.none")} testId="request-log" />
        <LogPagerFooter pager={pager} end={end()} />
      </section>
    </div>
  );
}
