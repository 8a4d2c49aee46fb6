// Create or edit a relay key: every limit and restriction the API takes, checked before sending.
import { createSignal, lazy, Show, Suspense } from "solid-js";
import { adminApi } from "../api/admin.ts";
import { CLIENT_IDS, PLATFORMS, type RelayKey } from "../api/types.ts";
import { BindingFields, bindingBody } from "../components/BindingFields.tsx";
import { AreaField, CheckList, SelectField } from "../components/ChoiceFields.tsx";
import { TextField } from "../components/Field.tsx";
import { ModalForm } from "../components/FormShell.tsx";
import { KeyLimitFields } from "../components/KeyLimitFields.tsx";
import { SecretOnceDialog } from "../components/SecretOnceDialog.tsx";
import { t } from "../i18n/index.ts";
import { binder, createForm } from "../lib/form.ts";
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
  const bind = binder(form, setForm, errors);

  const update = <K extends keyof KeyForm>(field: K, value: KeyForm[K]) =>
    setForm({ ...form(), [field]: value });
  const setLimit = (field: NumberLimit, value: string) =>
    setForm({ ...form(), limits: { ...form().limits, [field]: value } });

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
          <TextField label={t("common.name")} {...bind("name")} />
          <TextField label={t("keyForm.tags")} hint={t("keyForm.tagsHint")} {...bind("tags")} />
          <AreaField label={t("common.description")} wide {...bind("description")} />
        </div>
      </fieldset>

      <fieldset>
        <legend>{t("keyForm.expiry")}</legend>
        <div class="form-grid">
          <SelectField
            label={t("keyForm.expiryMode")}
            name="expiryMode"
            value={form().expiryMode}
            onChange={(v) => update("expiryMode", v)}
          >
            <option value="never">{t("keyForm.never")}</option>
            <option value="fixed">{t("keyForm.fixed")}</option>
            <option value="activation">{t("keyForm.activation")}</option>
          </SelectField>
          <Show when={form().expiryMode === "fixed"}>
            <TextField label={t("keyForm.expiresAt")} type="datetime-local" {...bind("expiresAt")} />
          </Show>
          <Show when={form().expiryMode === "activation"}>
            <TextField
              label={t("keyForm.activationDays")}
              hint={t("keyForm.activationHint")}
              inputmode="decimal"
              {...bind("activationDays")}
            />
          </Show>
        </div>
      </fieldset>

      <KeyLimitFields values={form().limits} errors={errors()} onInput={setLimit} />

      <fieldset>
        <legend>{t("keyForm.scopedCaps")}</legend>
        <div class="form-grid">
          <AreaField
            label={t("limits.platformCaps")}
            hint={t("keyForm.platformCapsHint")}
            wide
            name="platformCaps"
            value={form().platformCaps}
            error={errors().platformCaps}
            onInput={(v) => update("platformCaps", v)}
          />
          <AreaField
            label={t("limits.modelCaps")}
            hint={t("keyForm.modelCapsHint")}
            wide
            name="modelCaps"
            value={form().modelCaps}
            error={errors().modelCaps}
            onInput={(v) => update("modelCaps", v)}
          />
        </div>
      </fieldset>

      <fieldset>
        <legend>{t("keyForm.restrictions")}</legend>
        <div class="form-grid">
          <CheckList
            label={t("limits.permissions")}
            hint={t("keyForm.permissionsHint")}
            options={PLATFORMS}
            selected={form().permissions}
            onChange={(v) => update("permissions", v)}
            name={(p) => `permission-${p}`}
            text={(p) => PLATFORM_LABEL[p]}
          />
          <CheckList
            label={t("limits.allowedClients")}
            hint={t("keyForm.clientsHint")}
            options={CLIENT_IDS}
            selected={form().allowedClients}
            onChange={(v) => update("allowedClients", v)}
            name={(c) => `client-${c}`}
            text={(c) => CLIENT_LABEL[c]}
          />
          <AreaField
            label={t("limits.restrictedModels")}
            hint={t("keyForm.modelsHint")}
            wide
            name="restrictedModels"
            value={form().restrictedModels}
            onInput={(v) => update("restrictedModels", v)}
          />
        </div>
      </fieldset>

      <BindingFields values={bindings()} onChange={(p, v) => setBindings({ ...bindings(), [p]: v })} />
    </ModalForm>
  );
}

/** Loaded when the admin opens it: the lines for the key's holder, with the new secret in them. */
const SetupGuide = lazy(() =>
  import("../components/SetupGuide.tsx").then((m) => ({ default: m.SetupGuide })),
);

export function SecretDialog(props: { secret: string; name: string; onClose: () => void }) {
  const [guide, setGuide] = createSignal(false);
  return (
    <SecretOnceDialog
      title={t("keys.createdTitle", { name: props.name })}
      note={t("keys.secretOnce")}
      secret={props.secret}
      secretTestId="secret"
      doneTestId="secret-done"
      onClose={props.onClose}
      wide={guide()}
    >
      <details style={{ "margin-top": "0.6rem" }} onToggle={(e) => setGuide(e.currentTarget.open)}>
        <summary data-testid="secret-guide">{t("nav.setupGuide")}</summary>
        <Show when={guide()}>
          <Suspense fallback={<p class="muted">{t("common.loading")}</p>}>
            <SetupGuide secret={props.secret} keyName={props.name} />
          </Suspense>
        </Show>
      </details>
    </SecretOnceDialog>
  );
}
