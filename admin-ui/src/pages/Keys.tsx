// Relay keys: search, filter, sort; create (the secret shown once), edit, enable/disable, delete.
import { createMemo, createSignal, For, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import type { RelayKey } from "../api/types.ts";
import { KeyStatusBadge } from "../components/Badge.tsx";
import { DataTable, RowButton, toggleLabel } from "../components/DataTable.tsx";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { KeyLiveBars } from "../components/KeyLiveBars.tsx";
import { KeyName } from "../components/KeyName.tsx";
import { createConfirm } from "../components/Modal.tsx";
import { PageHead } from "../components/PageHead.tsx";
import { lang, t } from "../i18n/index.ts";
import { createAction } from "../lib/action.ts";
import { formatDate } from "../lib/format.ts";
import { allTags, filterKeys, type KeyFilter, keyExpiresAt, type SortField } from "../lib/keys.ts";
import { createLoader, once } from "../lib/loader.ts";
import { KeyFormDialog, SecretDialog } from "./KeyForm.tsx";

const PAGE_SIZE = 20;

export function expiryText(key: RelayKey): string {
  if (key.expiry.mode === "never") return t("keyForm.never");
  const end = keyExpiresAt(key.expiry);
  if (end !== null) return formatDate(end, lang());
  return key.expiry.mode === "activation" ? t("keys.daysAfterFirstUse", { days: key.expiry.days }) : "—";
}

/** Enable/disable and delete, with its confirmation; shared by the list and the detail page. */
export function useKeyActions(onChanged: (key: RelayKey | null, id: string) => void) {
  const action = createAction();
  const confirm = createConfirm<RelayKey>({
    action,
    title: () => t("keys.deleteTitle"),
    message: (key) => t("keys.deleteConfirm", { name: key.name }),
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

export function KeysPage() {
  const keys = createLoader(once, () => adminApi.keys.list());
  const [filter, setFilter] = createSignal<KeyFilter>({
    search: "",
    status: "all",
    tag: "",
    sort: "createdAt",
    descending: true,
  });
  const [page, setPage] = createSignal(0);
  const [editing, setEditing] = createSignal<RelayKey | "new" | null>(null);
  const [created, setCreated] = createSignal<{ name: string; secret: string } | null>(null);
  const [tick, setTick] = createSignal(0);

  const visible = createMemo(() => filterKeys(keys.data() ?? [], filter(), Date.now()));
  const pages = () => Math.max(1, Math.ceil(visible().length / PAGE_SIZE));
  const shown = () => visible().slice(page() * PAGE_SIZE, (page() + 1) * PAGE_SIZE);
  const setF = <K extends keyof KeyFilter>(field: K, value: KeyFilter[K]) => {
    setFilter({ ...filter(), [field]: value });
    setPage(0);
  };

  const replace = (key: RelayKey | null, id: string) => {
    const list = keys.data() ?? [];
    if (!key) keys.set(list.filter((k) => k.id !== id));
    else if (list.some((k) => k.id === id)) keys.set(list.map((k) => (k.id === id ? key : k)));
    else keys.set([key, ...list]);
  };
  const actions = useKeyActions(replace);

  return (
    <div class="page">
      <PageHead
        title={t("nav.keys")}
        onRefresh={() => {
          void keys.reload();
          setTick(tick() + 1);
        }}
      >
        <button type="button" class="primary" data-testid="new-key" onClick={() => setEditing("new")}>
          {t("keys.create")}
        </button>
      </PageHead>

      <div class="toolbar">
        <input
          type="search"
          aria-label={t("common.search")}
          placeholder={t("keys.searchPlaceholder")}
          value={filter().search}
          onInput={(e) => setF("search", e.currentTarget.value)}
          data-testid="key-search"
        />
        <select
          aria-label={t("common.status")}
          value={filter().status}
          onChange={(e) => setF("status", e.currentTarget.value as KeyFilter["status"])}
        >
          <option value="all">{t("keys.allStatuses")}</option>
          <option value="active">{t("status.active")}</option>
          <option value="disabled">{t("status.disabled")}</option>
          <option value="expired">{t("status.expired")}</option>
        </select>
        <select
          aria-label={t("keyForm.tags")}
          value={filter().tag}
          onChange={(e) => setF("tag", e.currentTarget.value)}
        >
          <option value="">{t("keys.allTags")}</option>
          <For each={allTags(keys.data() ?? [])}>{(tag) => <option value={tag}>{tag}</option>}</For>
        </select>
        <select
          aria-label={t("keys.sortBy")}
          value={filter().sort}
          onChange={(e) => setF("sort", e.currentTarget.value as SortField)}
        >
          <option value="createdAt">{t("keys.sortCreated")}</option>
          <option value="name">{t("keys.sortName")}</option>
          <option value="status">{t("keys.sortStatus")}</option>
        </select>
        <button
          type="button"
          class="secondary"
          aria-label={t("keys.sortDirection")}
          onClick={() => setF("descending", !filter().descending)}
        >
          {filter().descending ? "↓" : "↑"}
        </button>
      </div>

      <ErrorBox error={keys.error()} />
      <ErrorBox error={actions.error()} />
      <DataTable
        rows={keys.data() ? shown() : undefined}
        empty={t("keys.none")}
        testId="keys-table"
        class="keys-table"
        rowTestId="key-row"
        rowAttrs={(key) => ({ "data-key-id": key.id })}
        columns={[
          {
            head: t("common.name"),
            cell: (key) => (
              <>
                <KeyName keyRecord={key} />
                <div class="chips">
                  <For each={key.tags}>{(tag) => <span class="tag">{tag}</span>}</For>
                </div>
              </>
            ),
          },
          { head: t("common.status"), cell: (key) => <KeyStatusBadge keyRecord={key} /> },
          {
            head: t("keys.spend"),
            class: "bars-col",
            cell: (key) => <KeyLiveBars keyRecord={key} tick={tick} />,
          },
          { head: t("keys.expires"), cell: (key) => expiryText(key) },
          { head: t("common.created"), cell: (key) => formatDate(key.createdAt, lang()) },
        ]}
        actions={(key) => (
          <>
            <RowButton testId="edit-key" onClick={() => setEditing(key)}>
              {t("common.edit")}
            </RowButton>
            <RowButton testId="toggle-key" onClick={() => actions.toggle(key)}>
              {toggleLabel(key.isActive)}
            </RowButton>
            <RowButton testId="delete-key" danger onClick={() => actions.askDelete(key)}>
              {t("common.delete")}
            </RowButton>
          </>
        )}
      />
      <Show when={pages() > 1}>
        <div class="pager">
          <button
            type="button"
            class="secondary small"
            disabled={page() === 0}
            onClick={() => setPage(page() - 1)}
          >
            ‹
          </button>
          <span>{t("common.page", { page: page() + 1, pages: pages() })}</span>
          <button
            type="button"
            class="secondary small"
            disabled={page() >= pages() - 1}
            onClick={() => setPage(page() + 1)}
          >
            ›
          </button>
        </div>
      </Show>

      <Show when={editing()}>
        {(which) => {
          const current = which();
          return (
            <KeyFormDialog
              editing={current === "new" ? undefined : current}
              onClose={() => setEditing(null)}
              onSaved={(key, secret) => {
                setEditing(null);
                replace(key, key.id);
                if (secret) setCreated({ name: key.name, secret });
              }}
            />
          );
        }}
      </Show>
      <Show when={created()}>
        {(c) => <SecretDialog name={c().name} secret={c().secret} onClose={() => setCreated(null)} />}
      </Show>
      {actions.dialog()}
    </div>
  );
}
