// Portal users: list (keys held, status), create (a generated password shown once), edit max keys
// and default key limits, disable/enable (carried onto their keys), reset a password, their keys.
import { createSignal, For, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import type { User, UserWithKeyCount } from "../api/types.ts";
import { CopyButton } from "../components/CopyButton.tsx";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { TextField } from "../components/Field.tsx";
import { ModalForm } from "../components/FormShell.tsx";
import { KeyLimitFields } from "../components/KeyLimitFields.tsx";
import { Modal } from "../components/Modal.tsx";
import { lang, t } from "../i18n/index.ts";
import { createAction } from "../lib/action.ts";
import { binder, createForm } from "../lib/form.ts";
import { formatDate, formatDateTime } from "../lib/format.ts";
import { keyStatus } from "../lib/keys.ts";
import { KEY_STATUS_LABEL } from "../lib/labels.ts";
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
import { Link } from "../router.tsx";

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
    <Modal title={t("users.passwordTitle", { name: props.username })} onClose={props.onClose} sticky>
      <p class="note">{t("users.passwordOnce")}</p>
      <div class="secret">
        <code data-testid="user-password">{props.password}</code>
        <CopyButton text={props.password} />
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick={() => props.onClose()} data-testid="password-done">
          {t("keys.secretSaved")}
        </button>
      </div>
    </Modal>
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
      <Show when={keys.data()} fallback={<Show when={!keys.error()}>{t("common.loading")}</Show>}>
        {(list) => (
          <Show when={list().length > 0} fallback={<p class="muted">{t("users.noKeys")}</p>}>
            <div class="table-wrap">
              <table class="cards" data-testid="user-keys">
                <thead>
                  <tr>
                    <th>{t("common.name")}</th>
                    <th>{t("common.status")}</th>
                    <th>{t("common.created")}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(key) => (
                      <tr>
                        <td>
                          <Link href={`/keys/${key.id}`} class="strong">
                            {key.name}
                          </Link>
                          <div class="muted mono small">{key.preview}</div>
                        </td>
                        <td data-label={t("common.status")}>
                          <span class={`badge ${keyStatus(key, Date.now())}`}>
                            {t(KEY_STATUS_LABEL[keyStatus(key, Date.now())])}
                          </span>
                        </td>
                        <td data-label={t("common.created")}>{formatDate(key.createdAt, lang())}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Show>
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
      <div class="page-head">
        <h1>{t("nav.users")}</h1>
        <div class="row">
          <button type="button" class="secondary" onClick={() => void users.reload()}>
            {t("common.refresh")}
          </button>
          <button type="button" class="primary" data-testid="new-user" onClick={() => setEditing("new")}>
            {t("users.create")}
          </button>
        </div>
      </div>

      <ErrorBox error={users.error()} />
      <ErrorBox error={action.error()} />
      <Show when={users.data()}>
        {(list) => (
          <Show when={list().length > 0} fallback={<p class="muted">{t("users.none")}</p>}>
            <div class="table-wrap">
              <table class="cards" data-testid="users-table">
                <thead>
                  <tr>
                    <th>{t("users.username")}</th>
                    <th>{t("common.status")}</th>
                    <th>{t("users.keys")}</th>
                    <th>{t("users.lastLogin")}</th>
                    <th>{t("common.created")}</th>
                    <th class="actions-col">{t("common.actions")}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(user) => (
                      <tr data-testid="user-row" data-user-id={user.id}>
                        <td>
                          <span class="strong">{user.username}</span>
                          <Show when={user.displayName || user.email}>
                            <div class="muted small">
                              {[user.displayName, user.email].filter(Boolean).join(" · ")}
                            </div>
                          </Show>
                        </td>
                        <td data-label={t("common.status")}>
                          <span class={`badge ${user.isActive ? "active" : "disabled"}`}>
                            {user.isActive ? t("status.active") : t("status.disabled")}
                          </span>
                        </td>
                        <td data-label={t("users.keys")} data-testid="user-key-count">
                          {t("users.keyCount", { count: user.keyCount, max: user.maxKeys })}
                        </td>
                        <td data-label={t("users.lastLogin")}>
                          {user.lastLoginAt ? formatDateTime(user.lastLoginAt, lang()) : "—"}
                        </td>
                        <td data-label={t("common.created")}>{formatDate(user.createdAt, lang())}</td>
                        <td class="actions-col">
                          <div class="row-actions">
                            <button
                              type="button"
                              class="small secondary"
                              data-testid="edit-user"
                              onClick={() => setEditing(user)}
                            >
                              {t("common.edit")}
                            </button>
                            <button
                              type="button"
                              class="small secondary"
                              data-testid="user-keys-button"
                              onClick={() => setShowKeys(user)}
                            >
                              {t("users.keys")}
                            </button>
                            <button
                              type="button"
                              class="small secondary"
                              data-testid="reset-password"
                              onClick={() => setResetting(user)}
                            >
                              {t("users.resetPassword")}
                            </button>
                            <button
                              type="button"
                              class="small secondary"
                              data-testid="toggle-user"
                              onClick={() => toggle(user)}
                            >
                              {user.isActive ? t("common.disable") : t("common.enable")}
                            </button>
                          </div>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Show>

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
