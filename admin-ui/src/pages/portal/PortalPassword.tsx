// The user changes their own password; the relay ends their other sessions and gives this one anew.
import { createSignal, Show } from "solid-js";
import { TextField } from "../../components/Field.tsx";
import { FormActions } from "../../components/FormShell.tsx";
import { pt } from "../../i18n/portal.ts";
import { binder, createForm } from "../../lib/form.ts";
import { type PasswordForm, validatePasswordForm } from "../../lib/portal-keys.ts";
import { portalApi } from "./api.ts";

function PasswordFields(props: { onChanged: () => void }) {
  const [form, setForm] = createSignal<PasswordForm>({ current: "", next: "", repeat: "" });
  const state = createForm<keyof PasswordForm>({
    check: () => validatePasswordForm(form()),
    send: async () => {
      await portalApi.changePassword(form().current, form().next);
      props.onChanged();
    },
  });
  const bind = binder(form, setForm, state.errors);
  return (
    <form
      class="panel form"
      style={{ "max-width": "30rem" }}
      onSubmit={state.submit}
      noValidate
      data-testid="password-form"
    >
      <TextField
        label={pt("portal.currentPassword")}
        type="password"
        autocomplete="current-password"
        {...bind("current")}
      />
      <TextField
        label={pt("portal.newPassword")}
        type="password"
        autocomplete="new-password"
        {...bind("next")}
      />
      <TextField
        label={pt("portal.repeatPassword")}
        type="password"
        autocomplete="new-password"
        {...bind("repeat")}
      />
      <FormActions form={state} submitLabel={pt("portal.changePassword")} submitTestId="change-password" />
    </form>
  );
}

export function PortalPassword() {
  const [done, setDone] = createSignal(false);
  // A new round after each change: fresh, empty fields that are not marked as missing.
  const [round, setRound] = createSignal(1);
  return (
    <div class="page">
      <h1>{pt("portal.changePassword")}</h1>
      <Show when={done()}>
        <p class="ok" role="status" data-testid="password-changed">
          {pt("portal.passwordChanged")}
        </p>
      </Show>
      <Show when={round()} keyed>
        {(_round) => (
          <PasswordFields
            onChanged={() => {
              setDone(true);
              setRound(round() + 1);
            }}
          />
        )}
      </Show>
    </div>
  );
}
