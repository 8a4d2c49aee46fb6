// Create or edit a relay key: every limit and restriction the API takes, checked before sending.
import { createSignal, For, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import { CLIENT_IDS, PLATFORMS, type RelayKey } from "../api/types.ts";
import { BindingFields, bindingBody } from "../components/BindingFields.tsx";
import { CopyButton } from "../components/CopyButton.tsx";
import { Field, TextInput } from "../components/Field.tsx";
import { ModalForm } from "../components/FormShell.tsx";
import { KeyLimitFields } from "../components/KeyLimitFields.tsx";
import { Modal } from "../components/Modal.tsx";
import { t } from "../i18n/index.ts";
import { createForm } from "../lib/form.ts";
import {
  emptyKeyForm,
  type KeyForm,
  type KeyFormField,
  keyBodyFrom,
  keyFormFrom,
  type NumberLimit,
  validateKeyForm,
} from "../lib/keys.ts";
import { CLIENT_LABEL, PLATFORM_LABEL } from "../lib/labels.ts";

interface Props {
  /** Absent: create a new key. */
  editing?: RelayKey;
  onClose: () => void;
  onSaved: (key: RelayKey, secret?: string) => void;
}

export function KeyFormDialog(props: Props) {
  const [form, setForm] = createSignal<KeyForm>(props.editing ? keyFormFrom(props.editing) : emptyKeyForm());
  const [bindings, setBindings] = createSignal<Record<string, string>>({ ...props.editing?.boundAccounts });
  const state = createForm<KeyFormField>({
    check: () => validateKeyForm(form(), Date.now()),
    send: async () => {
      const body = {
        ...keyBodyFrom(form(), props.editing),
        boundAccounts: bindingBody(bindings(), Boolean(props.editing)),
      };
      if (props.editing) props.onSaved(await adminApi.keys.update(props.editing.id, body));
      else {
        const created = await adminApi.keys.create(body);
        props.onSaved(created.key, created.secret);
      }
    },
  });
  const errors = state.errors;

  const update = <K extends keyof KeyForm>(field: K, value: KeyForm[K]) =>
    setForm({ ...form(), [field]: value });
  const setLimit = (field: NumberLimit, value: string) =>
    setForm({ ...form(), limits: { ...form().limits, [field]: value } });
  const toggle = <T extends string>(list: T[], value: T, on: boolean): T[] =>
    on ? [...new Set([...list, value])] : list.filter((v) => v !== value);

  return (
    <ModalForm
      title={props.editing ? t("keyForm.editTitle", { name: props.editing.name }) : t("keyForm.createTitle")}
      onClose={props.onClose}
      wide
      testId="key-form"
      form={state}
      submitLabel={props.editing ? t("common.save") : t("keys.create")}
      submitTestId="save-key"
    >
      <fieldset>
        <legend>{t("keyForm.basics")}</legend>
        <div class="form-grid">
          <Field label={t("common.name")} error={errors().name}>
            <TextInput name="name" value={form().name} onInput={(v) => update("name", v)} />
          </Field>
          <Field label={t("keyForm.tags")} error={errors().tags} hint={t("keyForm.tagsHint")}>
            <TextInput name="tags" value={form().tags} onInput={(v) => update("tags", v)} />
          </Field>
          <Field label={t("common.description")} error={errors().description} wide>
            <textarea
              name="description"
              rows="2"
              value={form().description}
              onInput={(e) => update("description", e.currentTarget.value)}
            />
          </Field>
        </div>
      </fieldset>

      <fieldset>
        <legend>{t("keyForm.expiry")}</legend>
        <div class="form-grid">
          <Field label={t("keyForm.expiryMode")}>
            <select
              name="expiryMode"
              value={form().expiryMode}
              onChange={(e) => update("expiryMode", e.currentTarget.value as KeyForm["expiryMode"])}
            >
              <option value="never">{t("keyForm.never")}</option>
              <option value="fixed">{t("keyForm.fixed")}</option>
              <option value="activation">{t("keyForm.activation")}</option>
            </select>
          </Field>
          <Show when={form().expiryMode === "fixed"}>
            <Field label={t("keyForm.expiresAt")} error={errors().expiresAt}>
              <TextInput
                name="expiresAt"
                type="datetime-local"
                value={form().expiresAt}
                onInput={(v) => update("expiresAt", v)}
              />
            </Field>
          </Show>
          <Show when={form().expiryMode === "activation"}>
            <Field
              label={t("keyForm.activationDays")}
              error={errors().activationDays}
              hint={t("keyForm.activationHint")}
            >
              <TextInput
                name="activationDays"
                inputmode="decimal"
                value={form().activationDays}
                onInput={(v) => update("activationDays", v)}
              />
            </Field>
          </Show>
        </div>
      </fieldset>

      <KeyLimitFields values={form().limits} errors={errors()} onInput={setLimit} />

      <fieldset>
        <legend>{t("keyForm.restrictions")}</legend>
        <div class="form-grid">
          <div class="field">
            <span class="label">{t("limits.permissions")}</span>
            <div class="checks">
              <For each={PLATFORMS}>
                {(p) => (
                  <label class="check">
                    <input
                      type="checkbox"
                      name={`permission-${p}`}
                      checked={form().permissions.includes(p)}
                      onChange={(e) =>
                        update("permissions", toggle(form().permissions, p, e.currentTarget.checked))
                      }
                    />
                    {PLATFORM_LABEL[p]}
                  </label>
                )}
              </For>
            </div>
            <span class="hint">{t("keyForm.permissionsHint")}</span>
          </div>
          <div class="field">
            <span class="label">{t("limits.allowedClients")}</span>
            <div class="checks">
              <For each={CLIENT_IDS}>
                {(c) => (
                  <label class="check">
                    <input
                      type="checkbox"
                      name={`client-${c}`}
                      checked={form().allowedClients.includes(c)}
                      onChange={(e) =>
                        update("allowedClients", toggle(form().allowedClients, c, e.currentTarget.checked))
                      }
                    />
                    {CLIENT_LABEL[c]}
                  </label>
                )}
              </For>
            </div>
            <span class="hint">{t("keyForm.clientsHint")}</span>
          </div>
          <Field label={t("limits.restrictedModels")} hint={t("keyForm.modelsHint")} wide>
            <textarea
              name="restrictedModels"
              rows="2"
              value={form().restrictedModels}
              onInput={(e) => update("restrictedModels", e.currentTarget.value)}
            />
          </Field>
        </div>
      </fieldset>

      <BindingFields values={bindings()} onChange={(p, v) => setBindings({ ...bindings(), [p]: v })} />
    </ModalForm>
  );
}

export function SecretDialog(props: { secret: string; name: string; onClose: () => void }) {
  return (
    <Modal title={t("keys.createdTitle", { name: props.name })} onClose={props.onClose} sticky>
      <p class="note">{t("keys.secretOnce")}</p>
      <div class="secret">
        <code data-testid="secret">{props.secret}</code>
        <CopyButton text={props.secret} />
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick={() => props.onClose()} data-testid="secret-done">
          {t("keys.secretSaved")}
        </button>
      </div>
    </Modal>
  );
}
