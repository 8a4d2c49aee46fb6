// Account groups: a named set of one platform's accounts. A key bound to a group (in the key
// form) is served only by its members. A group with members or bound keys cannot be deleted.
import { createMemo, createSignal, For, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import type { AccountGroup } from "../api/ops-types.ts";
import { PLATFORMS, type Platform } from "../api/types.ts";
import { AreaField, CheckList, SelectField } from "../components/ChoiceFields.tsx";
import { DataTable, RowButton } from "../components/DataTable.tsx";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { TextField } from "../components/Field.tsx";
import { ModalForm } from "../components/FormShell.tsx";
import { createConfirm } from "../components/Modal.tsx";
import { PageHead } from "../components/PageHead.tsx";
import { t } from "../i18n/index.ts";
import { createAction } from "../lib/action.ts";
import { createForm } from "../lib/form.ts";
import { PLATFORM_LABEL } from "../lib/labels.ts";
import { createLoader, once } from "../lib/loader.ts";
import { required, validate } from "../lib/validate.ts";
import { Link } from "../router.tsx";

interface GroupDialogProps {
  editing?: AccountGroup;
  accounts: { id: string; name: string; platform: Platform }[];
  onClose: () => void;
  onSaved: () => void;
}

function GroupDialog(props: GroupDialogProps) {
  const [name, setName] = createSignal(props.editing?.name ?? "");
  const [platform, setPlatform] = createSignal<Platform>(props.editing?.platform ?? "claude");
  const [description, setDescription] = createSignal(props.editing?.description ?? "");
  const [members, setMembers] = createSignal<string[]>(props.editing?.memberIds ?? []);
  const candidates = createMemo(() => props.accounts.filter((a) => a.platform === platform()));
  const nameOf = (id: string) => props.accounts.find((a) => a.id === id)?.name ?? id;
  const state = createForm<"name">({
    check: () => validate({ name: name() }, { name: [required] }),
    send: async () => {
      const memberIds = members().filter((id) => candidates().some((a) => a.id === id));
      const body = { name: name().trim(), description: description(), memberIds };
      if (props.editing) await adminApi.groups.update(props.editing.id, body);
      else await adminApi.groups.create({ ...body, platform: platform() });
      props.onSaved();
    },
  });

  return (
    <ModalForm
      title={props.editing ? t("groups.editTitle", { name: props.editing.name }) : t("groups.createTitle")}
      onClose={props.onClose}
      testId="group-form"
      form={state}
      submitLabel={t("common.save")}
      submitTestId="save-group"
    >
      <div class="form-grid">
        <TextField
          label={t("common.name")}
          error={state.errors().name}
          name="name"
          value={name()}
          onInput={setName}
        />
        <SelectField
          label={t("groups.platform")}
          hint={props.editing ? t("groups.platformFixed") : undefined}
          name="platform"
          value={platform()}
          disabled={Boolean(props.editing)}
          onChange={setPlatform}
        >
          <For each={PLATFORMS}>{(p) => <option value={p}>{PLATFORM_LABEL[p]}</option>}</For>
        </SelectField>
        <AreaField
          label={t("common.description")}
          wide
          name="description"
          value={description()}
          onInput={(v) => setDescription(v)}
        />
        <CheckList
          label={t("groups.members")}
          wide
          options={candidates().map((a) => a.id)}
          selected={members()}
          onChange={setMembers}
          name={(id) => `member-${nameOf(id)}`}
          text={nameOf}
          empty={<p class="muted">{t("groups.noAccounts")}</p>}
        />
      </div>
    </ModalForm>
  );
}

export function GroupsPage() {
  const data = createLoader(once, async () => {
    const [groups, accounts] = await Promise.all([adminApi.groups.list(), adminApi.accounts.list()]);
    return { groups, accounts };
  });
  const [dialog, setDialog] = createSignal<{ editing?: AccountGroup } | null>(null);
  const confirm = createConfirm<AccountGroup>({
    action: createAction(() => data.reload()),
    title: () => t("groups.deleteTitle"),
    message: (g) => t("groups.deleteConfirm", { name: g.name }),
    confirmLabel: () => t("common.delete"),
    work: (g) => adminApi.groups.remove(g.id),
  });
  const accountName = (id: string) => data.data()?.accounts.find((a) => a.id === id)?.name;

  return (
    <div class="page">
      <PageHead title={t("nav.groups")}>
        <button type="button" class="primary" data-testid="new-group" onClick={() => setDialog({})}>
          {t("groups.add")}
        </button>
      </PageHead>
      <p class="muted">{t("groups.intro")}</p>
      <ErrorBox error={data.error()} />
      <ErrorBox error={confirm.pageError()} />
      <DataTable
        rows={data.data()?.groups}
        empty={t("groups.none")}
        testId="groups-table"
        rowTestId="group-row"
        columns={[
          {
            head: t("common.name"),
            cell: (g) => (
              <>
                <div class="strong">{g.name}</div>
                <Show when={g.description}>
                  <div class="muted small">{g.description}</div>
                </Show>
              </>
            ),
          },
          { head: t("groups.platform"), cell: (g) => PLATFORM_LABEL[g.platform] },
          {
            head: t("groups.members"),
            cellClass: "small",
            cell: (g) => (
              <Show when={g.memberIds.length > 0} fallback={<span class="muted">—</span>}>
                {g.memberIds.map((id) => accountName(id) ?? id).join(", ")}
              </Show>
            ),
          },
          {
            head: t("groups.boundKeys"),
            cellClass: "small",
            cell: (g) => (
              <For each={g.boundKeys} fallback={<span class="muted">—</span>}>
                {(k, i) => (
                  <>
                    {i() > 0 ? ", " : ""}
                    <Link href={`/keys/${k.id}`}>{k.name}</Link>
                  </>
                )}
              </For>
            ),
          },
        ]}
        actions={(g) => (
          <>
            <RowButton onClick={() => setDialog({ editing: g })}>{t("common.edit")}</RowButton>
            <RowButton danger onClick={() => confirm.ask(g)}>
              {t("common.delete")}
            </RowButton>
          </>
        )}
      />

      <Show when={dialog()}>
        {(open) => (
          <GroupDialog
            editing={open().editing}
            accounts={data.data()?.accounts ?? []}
            onClose={() => setDialog(null)}
            onSaved={() => {
              setDialog(null);
              void data.reload();
            }}
          />
        )}
      </Show>
      {confirm.dialog()}
    </div>
  );
}
