// Relay keys, paged, searched and sorted on the server (so thousands stay quick): create one or
// many (the secrets shown once), edit, enable/disable, delete (restorable for the retention
// period) and restore; select keys for batch changes; rename or remove tags across keys.
import { createMemo, createSignal, For, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import {
  type KeyPageQuery,
  type KeyRow,
  type KeySort,
  type KeyStatusFilter,
  keyPagesApi,
} from "../api/key-pages.ts";
import type { RelayKey } from "../api/types.ts";
import { KeyStatusBadge } from "../components/Badge.tsx";
import { DataTable, RowButton, toggleLabel } from "../components/DataTable.tsx";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { BatchCreateDialog, BatchEditDialog, TagsDialog } from "../components/KeyBatchDialogs.tsx";
import { KeyLiveBars } from "../components/KeyLiveBars.tsx";
import { KeyName } from "../components/KeyName.tsx";
import { ConfirmDialog, createConfirm } from "../components/Modal.tsx";
import { PageHead } from "../components/PageHead.tsx";
import { lang, t } from "../i18n/index.ts";
import { mt } from "../i18n/keys-many.ts";
import { createAction } from "../lib/action.ts";
import { formatCost, formatDate, formatDateTime, microToUsd } from "../lib/format.ts";
import { keyExpiresAt } from "../lib/keys.ts";
import { createLoader } from "../lib/loader.ts";
import { KeyFormDialog, SecretDialog } from "./KeyForm.tsx";
import "./keys-many.css";

const PAGE_SIZES = [20, 50, 100, 200] as const;
const SEARCH_DELAY_MS = 300;

export function expiryText(key: RelayKey): string {
  if (key.expiry.mode === "never") return t("keyForm.never");
  const end = keyExpiresAt(key.expiry);
  if (end !== null) return formatDate(end, lang());
  return key.expiry.mode === "activation" ? t("keys.daysAfterFirstUse", { days: key.expiry.days }) : "—";
}

/** Enable/disable and delete (restorable), with its confirmation; shared by the list and the detail page. */
export function useKeyActions(onChanged: (key: RelayKey | null, id: string) => void) {
  const action = createAction();
  const retention = createLoader(
    () => true,
    () => keyPagesApi.settings(),
  );
  const confirm = createConfirm<RelayKey>({
    action,
    title: () => t("keys.deleteTitle"),
    message: (key) => mt("many.deleteOne", { name: key.name, days: retention.data()?.retentionDays ?? 7 }),
    confirmLabel: () => t("common.delete"),
    work: async (key) => {
      await adminApi.keys.remove(key.id);
      onChanged(null, key.id);
    },
  });
  const toggle = (key: RelayKey) =>
    void action.run(async () => onChanged(await adminApi.keys.setActive(key.id, !key.isActive), key.id));
  return { toggle, askDelete: confirm.ask, dialog: confirm.dialog, error: confirm.pageError };
}

function DeletedBadge() {
  return <span class="badge disabled">{mt("many.status.deleted")}</span>;
}

export function KeysPage() {
  const [query, setQuery] = createSignal<KeyPageQuery>({
    page: 1,
    pageSize: 50,
    q: "",
    tag: "",
    status: "all",
    sort: "createdAt",
    order: "desc",
  });
  const [tick, setTick] = createSignal(0);
  const [loadMs, setLoadMs] = createSignal<number | null>(null);
  const keys = createLoader(
    () => [query(), tick()] as const,
    async ([q]) => {
      const started = performance.now();
      const page = await keyPagesApi.page(q);
      setLoadMs(Math.round(performance.now() - started));
      return page;
    },
  );
  const [selected, setSelected] = createSignal<ReadonlySet<string>>(new Set());
  const [editing, setEditing] = createSignal<RelayKey | "new" | null>(null);
  const [dialog, setDialog] = createSignal<
    "batch-create" | "batch-edit" | "tags" | "delete" | "purge" | null
  >(null);
  const [created, setCreated] = createSignal<{ name: string; secret: string } | null>(null);
  const [retention, setRetention] = createSignal("");
  const bulk = createAction();

  const reload = () => {
    setSelected(new Set<string>());
    setTick(tick() + 1);
  };
  const setQ = <K extends keyof KeyPageQuery>(field: K, value: KeyPageQuery[K]) => {
    setSelected(new Set<string>());
    setQuery({ ...query(), [field]: value, page: field === "page" ? (value as number) : 1 });
  };
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  const onSearch = (value: string) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => setQ("q", value), SEARCH_DELAY_MS);
  };

  const rows = () => keys.data()?.keys;
  const total = () => keys.data()?.total ?? 0;
  const pages = () => Math.max(1, Math.ceil(total() / query().pageSize));
  const deletedView = () => query().status === "deleted";
  const retentionDays = () => keys.data()?.retentionDays ?? 7;
  const selectedIds = createMemo(() => [...selected()]);
  const allSelected = () => (rows() ?? []).length > 0 && (rows() ?? []).every((r) => selected().has(r.id));
  const toggleRow = (id: string) => {
    const next = new Set(selected());
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const toggleAll = () =>
    setSelected(allSelected() ? new Set<string>() : new Set((rows() ?? []).map((r) => r.id)));
  const runBulk = (work: () => Promise<unknown>) => void bulk.run(work).then((ok) => ok && reload());

  const actions = useKeyActions(() => reload());
  const restorableUntil = (row: KeyRow) =>
    row.deletedAt ? Date.parse(row.deletedAt) + retentionDays() * 86_400_000 : null;

  return (
    <div class="page">
      <PageHead title={t("nav.keys")} onRefresh={reload}>
        <button type="button" class="secondary" data-testid="manage-tags" onClick={() => setDialog("tags")}>
          {mt("many.tags")}
        </button>
        <button
          type="button"
          class="secondary"
          data-testid="batch-create"
          onClick={() => setDialog("batch-create")}
        >
          {mt("many.batchCreate")}
        </button>
        <button type="button" class="primary" data-testid="new-key" onClick={() => setEditing("new")}>
          {t("keys.create")}
        </button>
      </PageHead>

      <div class="toolbar">
        <input
          type="search"
          aria-label={t("common.search")}
          placeholder={t("keys.searchPlaceholder")}
          onInput={(e) => onSearch(e.currentTarget.value)}
          data-testid="key-search"
        />
        <select
          aria-label={t("common.status")}
          value={query().status}
          data-testid="key-status-filter"
          onChange={(e) => setQ("status", e.currentTarget.value as KeyStatusFilter)}
        >
          <option value="all">{t("keys.allStatuses")}</option>
          <option value="active">{t("status.active")}</option>
          <option value="disabled">{t("status.disabled")}</option>
          <option value="expired">{t("status.expired")}</option>
          <option value="deleted">{mt("many.deleted", { n: keys.data()?.deletedCount ?? 0 })}</option>
        </select>
        <select
          aria-label={t("keyForm.tags")}
          value={query().tag}
          data-testid="key-tag-filter"
          onChange={(e) => setQ("tag", e.currentTarget.value)}
        >
          <option value="">{t("keys.allTags")}</option>
          <For each={keys.data()?.tags ?? []}>
            {(entry) => <option value={entry.tag}>{`${entry.tag} (${entry.keys})`}</option>}
          </For>
        </select>
        <select
          aria-label={t("keys.sortBy")}
          value={query().sort}
          data-testid="key-sort"
          onChange={(e) => setQ("sort", e.currentTarget.value as KeySort)}
        >
          <option value="createdAt">{t("keys.sortCreated")}</option>
          <option value="name">{t("keys.sortName")}</option>
          <option value="status">{t("keys.sortStatus")}</option>
          <option value="lastUsed">{mt("many.sortLastUsed")}</option>
          <option value="costToday">{mt("many.sortCostToday")}</option>
          <option value="costTotal">{mt("many.sortCostTotal")}</option>
        </select>
        <button
          type="button"
          class="secondary"
          aria-label={t("keys.sortDirection")}
          data-testid="key-sort-order"
          onClick={() => setQ("order", query().order === "desc" ? "asc" : "desc")}
        >
          {query().order === "desc" ? "↓" : "↑"}
        </button>
      </div>

      <Show when={deletedView()}>
        <form
          class="retention-line"
          data-testid="retention-form"
          onSubmit={(e) => {
            e.preventDefault();
            const days = Number(retention() || retentionDays());
            runBulk(() => keyPagesApi.putSettings(days));
          }}
        >
          <span>{mt("many.deletedNote")}</span>
          <input
            type="number"
            min="1"
            max="365"
            aria-label={mt("many.days")}
            value={retention() || String(retentionDays())}
            onInput={(e) => setRetention(e.currentTarget.value)}
            data-testid="retention-days"
          />
          <span>{mt("many.days")}</span>
          <button type="submit" class="secondary small">
            {mt("many.save")}
          </button>
        </form>
      </Show>

      <Show when={selected().size > 0}>
        <div class="batch-bar" data-testid="batch-bar">
          <strong>{mt("many.selected", { n: selected().size })}</strong>
          <Show
            when={!deletedView()}
            fallback={
              <>
                <button
                  type="button"
                  class="secondary small"
                  data-testid="batch-restore"
                  disabled={bulk.busy()}
                  onClick={() => runBulk(() => keyPagesApi.batchRestore(selectedIds()))}
                >
                  {mt("many.restore")}
                </button>
                <button
                  type="button"
                  class="danger small"
                  data-testid="batch-purge"
                  onClick={() => setDialog("purge")}
                >
                  {mt("many.purge")}
                </button>
              </>
            }
          >
            <button
              type="button"
              class="secondary small"
              data-testid="batch-enable"
              disabled={bulk.busy()}
              onClick={() => runBulk(() => keyPagesApi.batchEdit({ ids: selectedIds(), isActive: true }))}
            >
              {mt("many.enable")}
            </button>
            <button
              type="button"
              class="secondary small"
              data-testid="batch-disable"
              disabled={bulk.busy()}
              onClick={() => runBulk(() => keyPagesApi.batchEdit({ ids: selectedIds(), isActive: false }))}
            >
              {mt("many.disable")}
            </button>
            <button
              type="button"
              class="secondary small"
              data-testid="batch-edit"
              onClick={() => setDialog("batch-edit")}
            >
              {mt("many.edit")}
            </button>
            <button
              type="button"
              class="danger small"
              data-testid="batch-delete"
              onClick={() => setDialog("delete")}
            >
              {mt("many.delete")}
            </button>
          </Show>
          <button type="button" class="link small" onClick={() => setSelected(new Set<string>())}>
            {mt("many.clear")}
          </button>
        </div>
      </Show>

      <ErrorBox error={keys.error()} />
      <ErrorBox error={actions.error()} />
      <ErrorBox error={bulk.error()} />
      <div class="keys-summary muted small">
        <span data-testid="key-total">{mt("many.total", { n: total() })}</span>
        <Show when={loadMs() !== null}>
          <span data-testid="key-load-ms" data-ms={loadMs() ?? 0}>
            {mt("many.loadedIn", { ms: loadMs() ?? 0 })}
          </span>
        </Show>
        <label class="select-all">
          <input type="checkbox" checked={allSelected()} onChange={toggleAll} data-testid="select-all" />
          {mt("many.selectAll")}
        </label>
      </div>
      <DataTable
        rows={rows()}
        empty={t("keys.none")}
        testId="keys-table"
        class="keys-table"
        rowTestId="key-row"
        rowAttrs={(key) => ({ "data-key-id": key.id, "data-status": key.status })}
        columns={[
          {
            head: t("common.name"),
            cell: (key) => (
              <div class="key-name-cell">
                <input
                  type="checkbox"
                  aria-label={mt("many.select", { name: key.name })}
                  checked={selected().has(key.id)}
                  onChange={() => toggleRow(key.id)}
                  data-testid="select-key"
                />
                <div>
                  <KeyName keyRecord={key} />
                  <div class="chips">
                    <For each={key.tags}>{(tag) => <span class="tag">{tag}</span>}</For>
                  </div>
                </div>
              </div>
            ),
          },
          {
            head: t("common.status"),
            cell: (key) => (key.status === "deleted" ? <DeletedBadge /> : <KeyStatusBadge keyRecord={key} />),
          },
          {
            head: t("keys.spend"),
            class: "bars-col",
            cell: (key) =>
              key.status === "deleted" ? (
                <span class="muted small">
                  {mt("many.restorableUntil", { date: formatDateTime(restorableUntil(key), lang()) })}
                </span>
              ) : (
                <KeyLiveBars keyRecord={key} tick={tick} />
              ),
          },
          {
            head: `${mt("many.costToday")} / ${mt("many.costTotal")}`,
            class: "num",
            cellTestId: "key-costs",
            cell: (key) =>
              `${formatCost(microToUsd(key.costTodayMicroUsd))} / ${formatCost(microToUsd(key.costTotalMicroUsd))}`,
          },
          {
            head: mt("many.lastUsed"),
            cell: (key) => (key.lastUsedAt ? formatDateTime(key.lastUsedAt, lang()) : mt("many.never")),
          },
          { head: t("keys.expires"), cell: (key) => expiryText(key) },
          { head: t("common.created"), cell: (key) => formatDate(key.createdAt, lang()) },
        ]}
        actions={(key) => (
          <Show
            when={key.status !== "deleted"}
            fallback={
              <RowButton testId="restore-key" onClick={() => runBulk(() => keyPagesApi.restore(key.id))}>
                {mt("many.restore")}
              </RowButton>
            }
          >
            <RowButton testId="edit-key" onClick={() => setEditing(key)}>
              {t("common.edit")}
            </RowButton>
            <RowButton testId="toggle-key" onClick={() => actions.toggle(key)}>
              {toggleLabel(key.isActive)}
            </RowButton>
            <RowButton testId="delete-key" danger onClick={() => actions.askDelete(key)}>
              {t("common.delete")}
            </RowButton>
          </Show>
        )}
      />
      <div class="pager" data-testid="key-pager">
        <select
          aria-label={mt("many.perPage")}
          value={String(query().pageSize)}
          onChange={(e) => setQ("pageSize", Number(e.currentTarget.value))}
        >
          <For each={PAGE_SIZES}>{(size) => <option value={String(size)}>{size}</option>}</For>
        </select>
        <button
          type="button"
          class="secondary small"
          disabled={query().page <= 1}
          data-testid="page-prev"
          onClick={() => setQ("page", query().page - 1)}
        >
          ‹
        </button>
        <span data-testid="page-of">{mt("many.pageOf", { page: query().page, pages: pages() })}</span>
        <button
          type="button"
          class="secondary small"
          disabled={query().page >= pages()}
          data-testid="page-next"
          onClick={() => setQ("page", query().page + 1)}
        >
          ›
        </button>
      </div>

      <Show when={editing()}>
        {(which) => {
          const current = which();
          return (
            <KeyFormDialog
              editing={current === "new" ? undefined : current}
              onClose={() => setEditing(null)}
              onSaved={(key, secret) => {
                setEditing(null);
                reload();
                if (secret) setCreated({ name: key.name, secret });
              }}
            />
          );
        }}
      </Show>
      <Show when={created()}>
        {(c) => <SecretDialog name={c().name} secret={c().secret} onClose={() => setCreated(null)} />}
      </Show>
      <Show when={dialog() === "batch-create"}>
        <BatchCreateDialog onClose={() => setDialog(null)} onCreated={reload} />
      </Show>
      <Show when={dialog() === "batch-edit"}>
        <BatchEditDialog
          ids={selectedIds()}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            reload();
          }}
        />
      </Show>
      <Show when={dialog() === "tags"}>
        <TagsDialog tags={keys.data()?.tags ?? []} onClose={() => setDialog(null)} onChanged={reload} />
      </Show>
      <Show when={dialog() === "delete" || dialog() === "purge"}>
        <ConfirmDialog
          title={dialog() === "purge" ? mt("many.purgeTitle") : mt("many.deleteTitle")}
          message={
            dialog() === "purge"
              ? mt("many.purgeConfirm", { n: selected().size })
              : mt("many.deleteConfirm", { n: selected().size, days: retentionDays() })
          }
          confirmLabel={t("common.delete")}
          danger
          busy={bulk.busy()}
          error={bulk.error()}
          onConfirm={() => {
            const purge = dialog() === "purge";
            setDialog(null);
            runBulk(() => keyPagesApi.batchDelete(selectedIds(), purge));
          }}
          onClose={() => setDialog(null)}
        />
      </Show>
      {actions.dialog()}
    </div>
  );
}
