// The portal's sign-in: the user name and password the admin gave the user.
import { createSignal, Show } from "solid-js";
import { BrandMark, BrandNotice } from "../../components/BrandMark.tsx";
import { ErrorBox } from "../../components/ErrorBox.tsx";
import { TextField } from "../../components/Field.tsx";
import { Switchers } from "../../components/Layout.tsx";
import { t } from "../../i18n/index.ts";
import { pt } from "../../i18n/portal.ts";
import { createForm } from "../../lib/form.ts";
import { maxLength, required, validate } from "../../lib/validate.ts";
import { Link } from "../../router.tsx";
import { portalApi } from "./api.ts";
import { portalEndReason } from "./session.ts";

export function PortalLogin() {
  const [username, setUsername] = createSignal("");
  const [password, setPassword] = createSignal("");
  const form = createForm<"username" | "password">({
    check: () =>
      validate(
        { username: username(), password: password() },
        { username: [required, maxLength(200)], password: [required, maxLength(500)] },
      ),
    send: () => portalApi.login(username().trim(), password()),
  });
  return (
    <div class="login-page">
      <div class="login-top">
        <Switchers />
      </div>
      <form class="card login-card" onSubmit={form.submit} noValidate data-testid="portal-login">
        <h1>
          <BrandMark size={28} />
        </h1>
        <p class="muted">{pt("portal.subtitle")}</p>
        <BrandNotice />
        <Show when={portalEndReason() === "expired"}>
          <p class="note" role="status">
            {t("login.expired")}
          </p>
        </Show>
        <TextField
          label={t("login.username")}
          error={form.errors().username}
          name="username"
          autocomplete="username"
          value={username()}
          onInput={setUsername}
        />
        <TextField
          label={t("login.password")}
          error={form.errors().password}
          name="password"
          type="password"
          autocomplete="current-password"
          value={password()}
          onInput={setPassword}
        />
        <ErrorBox error={form.apiError()} />
        <button type="submit" class="primary block" disabled={form.busy()}>
          {form.busy() ? t("login.signingIn") : t("login.submit")}
        </button>
        <div class="login-foot">
          <Link href="/">{pt("portal.adminLink")}</Link>
          <Link href="/stats">{t("nav.publicStats")}</Link>
        </div>
      </form>
    </div>
  );
}
