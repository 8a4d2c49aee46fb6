// The user's keys: how many of how many, create one (within the admin's caps; the secret and the
// setup lines with it are shown once), open a key's usage or setup guide, delete a key.
import { createSignal, For, Show } from "solid-js";
import type { KeyLimits, RelayKey } from "../../api/types.ts";
import { KeyStatusBadge } from "../../components/Badge.tsx";
import { CopyButton } from "../../components/CopyButton.tsx";
import { DataTable, RowButton } from "../../components/DataTable.tsx";
import { ErrorBox } from "../../components/ErrorBox.tsx";
import { TextField } from "../../components/Field.tsx";
import { ModalForm } from "../../components/FormShell.tsx";
import { createConfirm, Modal } from "../../components/Modal.tsx";
import { PageHead } from "../../components/PageHead.tsx";
import { SetupGuide } from "../../components/SetupGuide.tsx";
import { lang, t } from "../../i18n/index.ts";
import { pt } from "../../i18n/portal.ts";
import { createAction } from "../../lib/action.ts";
import { createForm } from "../../lib/form.ts";
import { formatCost, formatDateTime } from "../../lib/format.ts";
import { createLoader } from "../../lib/loader.ts";
import {
  adminCap,
  emptyPortalKeyForm,
  type PortalKeyField,
  type PortalKeyForm,
  portalKeyBody,
  USER_CAPS,
  type UserCap,
  validatePortalKeyForm,
} from "../../lib/portal-keys.ts";
import { Link, navigate } from "../../router.tsx";
import { portalApi } from "./api.ts";

const CAP_LABEL = {
  dailyCostLimit: "limits.dailyCost",
  totalCostLimit: "limits.totalCost",
  weeklyCostLimit: "limits.weeklyCost",
  concurrencyLimit: "limits.concurrency",
} as const;

function capText(field: UserCap, value: number): string {
  return field === "concurrencyLimit" ? String(value) : formatCost(value);
}

function NewKeyDialog(props: {
  defaults: KeyLimits;
  onClose: () => void;
  onCreated: (created: { key: RelayKey; secret: string }) => void;
}) {
  const [form, setForm] = createSignal<PortalKeyForm>(emptyPortalKeyForm());
  const state = createForm<PortalKeyField>({
    check: () => validatePortalKeyForm(form(), props.defaults),
    send: async () => props.onCreated(await portalApi.createKey(portalKeyBody(form()))),
  });
  const setCap = (field: UserCap, value: string) =>
    setForm({ ...form(), caps: { ...form().caps, [field]: value } });
  return (
    <ModalForm
      title={pt("portal.newKey")}
      onClose={props.onClose}
      testId="portal-key-form"
      form={state}
      submitLabel={pt("portal.createKey")}
      submitTestId="portal-create-key"
    >
      <TextField
        label={t("common.name")}
        name="name"
        autocomplete="off"
        error={state.errors().name}
        value={form().name}
        onInput={(name) => setForm({ ...form(), name })}
      />
      <TextField
        label={t("common.description")}
        name="description"
        autocomplete="off"
        error={state.errors().description}
        value={form().description}
        onInput={(description) => setForm({ ...form(), description })}
      />
      <p class="muted small">{pt("portal.defaults")}</p>
      <div class="form-grid">
        <For each={USER_CAPS}>
          {(field) => {
            const cap = () => adminCap(props.defaults, field);
            return (
              <TextField
                label={t(CAP_LABEL[field])}
                name={field}
                inputmode={field === "concurrencyLimit" ? "numeric" : "decimal"}
                placeholder={cap() > 0 ? String(cap()) : ""}
                hint={
                  cap() > 0 ? pt("portal.capHint", { max: capText(field, cap()) }) : pt("portal.capHintNone")
                }
                error={state.errors()[field]}
                value={form().caps[field]}
                onInput={(value) => setCap(field, value)}
              />
            );
          }}
        </For>
      </div>
    </ModalForm>
  );
}

/** The new key, once: its secret with a copy button and the setup lines with it filled in. */
function CreatedKeyDialog(props: { created: { key: RelayKey; secret: string }; onClose: () => void }) {
  return (
    <Modal title={pt("portal.keyCreated")} onClose={props.onClose} sticky wide>
      <p class="note">{pt("portal.keyOnce")}</p>
      <div class="secret">
        <code data-testid="portal-secret">{props.created.secret}</code>
        <CopyButton text={props.created.secret} />
      </div>
      <SetupGuide secret={props.created.secret} keyName={props.created.key.name} />
      <div class="actions">
        <button
          type="button"
          class="primary"
          data-testid="portal-secret-done"
          onClick={() => props.onClose()}
        >
          {t("keys.secretSaved")}
        </button>
      </div>
    </Modal>
  );
}

export function PortalKeys() {
  const me = createLoader(
    () => 0,
    () => portalApi.me(),
  );
  const keys = createLoader(
    () => 0,
    () => portalApi.keys(),
  );
  const reload = async () => {
    await Promise.all([me.reload(), keys.reload()]);
  };
  const action = createAction(reload);
  const [creating, setCreating] = createSignal(false);
  const [created, setCreated] = createSignal<{ key: RelayKey; secret: string } | null>(null);
  const confirm = createConfirm<RelayKey>({
    action,
    title: () => pt("portal.deleteTitle"),
    message: (k) => pt("portal.deleteConfirm", { name: k.name }),
    confirmLabel: () => t("common.delete"),
    work: (k) => portalApi.deleteKey(k.id),
  });
  const full = () => {
    const m = me.data();
    return m ? m.keys.count >= m.keys.max : true;
  };
  return (
    <div class="page">
      <PageHead title={pt("portal.keys")} onRefresh={() => void reload()}>
        <button
          type="button"
          class="primary"
          data-testid="portal-new-key"
          disabled={full()}
          onClick={() => setCreating(true)}
        >
          {pt("portal.newKey")}
        </button>
      </PageHead>
      <ErrorBox error={me.error() ?? keys.error()} />
      <ErrorBox error={confirm.pageError()} />
      <Show when={me.data()}>
        {(m) => (
          <p class="muted" data-testid="portal-key-count">
            {pt("portal.keysOf", { count: m().keys.count, max: m().keys.max })}
            <Show when={full()}>{` · ${pt("portal.noMoreKeys")}`}</Show>
          </p>
        )}
      </Show>
      <DataTable
        rows={keys.data()}
        empty={pt("portal.noKeys")}
        testId="portal-keys"
        rowTestId="portal-key-row"
        rowAttrs={(k) => ({ "data-key-id": k.id })}
        columns={[
          {
            head: t("common.name"),
            cell: (k) => (
              <>
                <Link href={`/portal/keys/${encodeURIComponent(k.id)}`}>{k.name}</Link>
                <div class="muted small mono">{k.preview}</div>
              </>
            ),
          },
          { head: t("common.status"), cell: (k) => <KeyStatusBadge keyRecord={k} /> },
          { head: t("common.created"), cellClass: "small", cell: (k) => formatDateTime(k.createdAt, lang()) },
          {
            head: t("common.actions"),
            cell: (k) => (
              <div class="row wrap">
                <RowButton
                  testId="portal-key-usage"
                  onClick={() => navigate(`/portal/keys/${encodeURIComponent(k.id)}`)}
                >
                  {pt("portal.usage")}
                </RowButton>
                <RowButton
                  testId="portal-key-guide"
                  onClick={() => navigate(`/portal/keys/${encodeURIComponent(k.id)}/setup`)}
                >
                  {pt("portal.guide")}
                </RowButton>
                <RowButton danger testId="portal-delete-key" onClick={() => confirm.ask(k)}>
                  {t("common.delete")}
                </RowButton>
              </div>
            ),
          },
        ]}
      />
      <Show when={creating() && me.data()}>
        {(m) => (
          <NewKeyDialog
            defaults={m().user.keyLimits}
            onClose={() => setCreating(false)}
            onCreated={(next) => {
              setCreating(false);
              setCreated(next);
              void reload();
            }}
          />
        )}
      </Show>
      <Show when={created()}>
        {(c) => <CreatedKeyDialog created={c()} onClose={() => setCreated(null)} />}
      </Show>
      {confirm.dialog()}
    </div>
  );
}
