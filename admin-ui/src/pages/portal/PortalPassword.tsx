// The user changes their own password; the relay ends their other sessions and gives this one anew.
import { createSignal, Show } from "solid-js";
import { TextField } from "../../components/Field.tsx";
import { FormActions } from "../../components/FormShell.tsx";
import { pt } from "../../i18n/portal.ts";
import { binder, createForm } from "../../lib/form.ts";
import { type PasswordForm, validatePasswordForm } from "../../lib/portal-keys.ts";
import { portalApi } from "./api.ts";

export function PortalPassword() {
  const empty: PasswordForm = { current: "", next: "", repeat: "" };
  const [form, setForm] = createSignal<PasswordForm>(empty);
  const [done, setDone] = createSignal(false);
  const state = createForm<keyof PasswordForm>({
    check: () => validatePasswordForm(form()),
    send: async () => {
      setDone(false);
      await portalApi.changePassword(form().current, form().next);
      setForm(empty);
      setDone(true);
    },
  });
  const bind = binder(form, setForm, state.errors);
  return (
    <div class="page">
      <h1>{pt("portal.changePassword")}</h1>
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
        <Show when={done()}>
          <p class="ok" role="status" data-testid="password-changed">
            {pt("portal.passwordChanged")}
          </p>
        </Show>
        <FormActions form={state} submitLabel={pt("portal.changePassword")} submitTestId="change-password" />
      </form>
    </div>
  );
}
