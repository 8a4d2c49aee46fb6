// Portal users: list (keys held, status), create (a generated password shown once), edit max keys
// and default key limits, disable/enable (carried onto their keys), reset a password, their keys.
import { createSignal, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import type { User, UserWithKeyCount } from "../api/types.ts";
import { ActiveBadge, KeyStatusBadge } from "../components/Badge.tsx";
import { DataTable, RowButton, toggleLabel } from "../components/DataTable.tsx";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { TextField } from "../components/Field.tsx";
import { ModalForm } from "../components/FormShell.tsx";
import { KeyLimitFields } from "../components/KeyLimitFields.tsx";
import { KeyName } from "../components/KeyName.tsx";
import { Modal } from "../components/Modal.tsx";
import { PageHead } from "../components/PageHead.tsx";
import { SecretOnceDialog } from "../components/SecretOnceDialog.tsx";
import { lang, t } from "../i18n/index.ts";
import { createAction } from "../lib/action.ts";
import { binder, createForm } from "../lib/form.ts";
import { formatDate, formatDateTime } from "../lib/format.ts";
import { createLoader, once } from "../lib/loader.ts";
import {
  emptyUserForm,
  passwordCheck,
  type UserForm,
  type UserFormField,
  userBodyFrom,
  userFormFrom,
  validateUserForm,
} from "../lib/users.ts";

function UserFormDialog(props: {
  editing?: UserWithKeyCount;
  onClose: () => void;
  onSaved: (user: User, password?: string) => void;
}) {
  const creating = !props.editing;
  const [form, setForm] = createSignal<UserForm>(
    props.editing ? userFormFrom(props.editing) : emptyUserForm(),
  );
  const state = createForm<UserFormField>({
    check: () => validateUserForm(form(), creating),
    send: async () => {
      const body = userBodyFrom(form(), creating);
      if (props.editing) props.onSaved(await adminApi.users.update(props.editing.id, body));
      else {
        const created = await adminApi.users.create({ ...body, username: body.username ?? "" });
        props.onSaved(created.user, created.password);
      }
    },
  });
  const errors = state.errors;
  const bind = binder(form, setForm, errors);

  return (
    <ModalForm
      title={props.editing ? t("users.editTitle", { name: props.editing.username }) : t("users.createTitle")}
      onClose={props.onClose}
      wide
      testId="user-form"
      form={state}
      submitLabel={creating ? t("users.create") : t("common.save")}
      submitTestId="save-user"
    >
      <fieldset>
        <legend>{t("keyForm.basics")}</legend>
        <div class="form-grid">
          <Show when={creating}>
            <TextField
              label={t("users.username")}
              hint={t("users.usernameHint")}
              autocomplete="off"
              {...bind("username")}
            />
            <TextField
              label={t("users.password")}
              hint={t("users.passwordHint")}
              type="password"
              autocomplete="new-password"
              {...bind("password")}
            />
          </Show>
          <TextField label={t("users.displayName")} {...bind("displayName")} />
          <TextField label={t("users.email")} {...bind("email")} />
          <TextField
            label={t("users.maxKeys")}
            hint={t("users.maxKeysHint")}
            inputmode="numeric"
            {...bind("maxKeys")}
          />
        </div>
      </fieldset>
      <p class="note">{t("users.limitsNote")}</p>
      <KeyLimitFields
        values={form().limits}
        errors={errors()}
        onInput={(field, value) => setForm({ ...form(), limits: { ...form().limits, [field]: value } })}
      />
    </ModalForm>
  );
}

function ResetPasswordDialog(props: {
  user: UserWithKeyCount;
  onClose: () => void;
  onDone: (user: User, password?: string) => void;
}) {
  const [password, setPassword] = createSignal("");
  const state = createForm<"password">({
    check: () => {
      const problem = passwordCheck(password());
      return problem ? { password: problem } : {};
    },
    send: async () => {
      const result = await adminApi.users.resetPassword(props.user.id, password() || undefined);
      props.onDone(result.user, result.password);
    },
  });
  return (
    <ModalForm
      title={t("users.resetTitle", { name: props.user.username })}
      onClose={props.onClose}
      testId="reset-form"
      form={state}
      submitLabel={t("users.resetPassword")}
      submitTestId="reset-submit"
    >
      <p class="note">{t("users.resetNote")}</p>
      <TextField
        label={t("users.newPassword")}
        error={state.errors().password}
        hint={t("users.passwordHint")}
        name="newPassword"
        type="password"
        autocomplete="new-password"
        value={password()}
        onInput={setPassword}
      />
    </ModalForm>
  );
}

function PasswordDialog(props: { username: string; password: string; onClose: () => void }) {
  return (
    <SecretOnceDialog
      title={t("users.passwordTitle", { name: props.username })}
      note={t("users.passwordOnce")}
      secret={props.password}
      secretTestId="user-password"
      doneTestId="password-done"
      onClose={props.onClose}
    />
  );
}

function UserKeysDialog(props: { user: UserWithKeyCount; onClose: () => void }) {
  const keys = createLoader(
    () => props.user.id,
    (id) => adminApi.users.keys(id),
  );
  return (
    <Modal title={t("users.keysTitle", { name: props.user.username })} onClose={props.onClose} wide>
      <ErrorBox error={keys.error()} />
      <DataTable
        rows={keys.data()}
        loading={<Show when={!keys.error()}>{t("common.loading")}</Show>}
        empty={t("users.noKeys")}
        testId="user-keys"
        columns={[
          {
            head: t("common.name"),
            cell: (key) => <KeyName keyRecord={key} />,
          },
          { head: t("common.status"), cell: (key) => <KeyStatusBadge keyRecord={key} /> },
          { head: t("common.created"), cell: (key) => formatDate(key.createdAt, lang()) },
        ]}
      />
      <div class="actions">
        <button type="button" class="secondary" onClick={() => props.onClose()}>
          {t("common.close")}
        </button>
      </div>
    </Modal>
  );
}

export function UsersPage() {
  const users = createLoader(once, () => adminApi.users.list());
  const [editing, setEditing] = createSignal<UserWithKeyCount | "new" | null>(null);
  const [resetting, setResetting] = createSignal<UserWithKeyCount | null>(null);
  const [showKeys, setShowKeys] = createSignal<UserWithKeyCount | null>(null);
  const [shown, setShown] = createSignal<{ username: string; password: string } | null>(null);
  const action = createAction();

  /** Keeps the key count the list had (the API's user view has none). */
  const replace = (user: User) => {
    const list = users.data() ?? [];
    const previous = list.find((u) => u.id === user.id);
    const next: UserWithKeyCount = { ...user, keyCount: previous?.keyCount ?? 0 };
    users.set(previous ? list.map((u) => (u.id === user.id ? next : u)) : [...list, next]);
  };
  const toggle = (user: UserWithKeyCount) =>
    void action.run(async () => replace((await adminApi.users.setActive(user.id, !user.isActive)).user));

  return (
    <div class="page">
      <PageHead title={t("nav.users")} onRefresh={() => void users.reload()}>
        <button type="button" class="primary" data-testid="new-user" onClick={() => setEditing("new")}>
          {t("users.create")}
        </button>
      </PageHead>

      <ErrorBox error={users.error()} />
      <ErrorBox error={action.error()} />
      <DataTable
        rows={users.data()}
        empty={t("users.none")}
        testId="users-table"
        rowTestId="user-row"
        rowAttrs={(user) => ({ "data-user-id": user.id })}
        columns={[
          {
            head: t("users.username"),
            cell: (user) => (
              <>
                <span class="strong">{user.username}</span>
                <Show when={user.displayName || user.email}>
                  <div class="muted small">{[user.displayName, user.email].filter(Boolean).join(" · ")}</div>
                </Show>
              </>
            ),
          },
          { head: t("common.status"), cell: (user) => <ActiveBadge active={user.isActive} /> },
          {
            head: t("users.keys"),
            cellTestId: "user-key-count",
            cell: (user) => t("users.keyCount", { count: user.keyCount, max: user.maxKeys }),
          },
          {
            head: t("users.lastLogin"),
            cell: (user) => (user.lastLoginAt ? formatDateTime(user.lastLoginAt, lang()) : "—"),
          },
          { head: t("common.created"), cell: (user) => formatDate(user.createdAt, lang()) },
        ]}
        actions={(user) => (
          <>
            <RowButton testId="edit-user" onClick={() => setEditing(user)}>
              {t("common.edit")}
            </RowButton>
            <RowButton testId="user-keys-button" onClick={() => setShowKeys(user)}>
              {t("users.keys")}
            </RowButton>
            <RowButton testId="reset-password" onClick={() => setResetting(user)}>
              {t("users.resetPassword")}
            </RowButton>
            <RowButton testId="toggle-user" onClick={() => toggle(user)}>
              {toggleLabel(user.isActive)}
            </RowButton>
          </>
        )}
      />

      <Show when={editing()}>
        {(which) => {
          const current = which();
          return (
            <UserFormDialog
              editing={current === "new" ? undefined : current}
              onClose={() => setEditing(null)}
              onSaved={(user, password) => {
                setEditing(null);
                replace(user);
                if (password) setShown({ username: user.username, password });
              }}
            />
          );
        }}
      </Show>
      <Show when={resetting()}>
        {(user) => (
          <ResetPasswordDialog
            user={user()}
            onClose={() => setResetting(null)}
            onDone={(updated, password) => {
              setResetting(null);
              replace(updated);
              if (password) setShown({ username: updated.username, password });
            }}
          />
        )}
      </Show>
      <Show when={showKeys()}>
        {(user) => <UserKeysDialog user={user()} onClose={() => setShowKeys(null)} />}
      </Show>
      <Show when={shown()}>
        {(s) => (
          <PasswordDialog username={s().username} password={s().password} onClose={() => setShown(null)} />
        )}
      </Show>
    </div>
  );
}
