// Admin login. Shows the API's refusal as it is (wrong password, too many attempts), and lets the
// operator point the UI at another relay (saved in this browser).
import { createSignal, Show } from "solid-js";
import { BrandMark, BrandNotice } from "../components/BrandMark.tsx";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { TextField } from "../components/Field.tsx";
import { Switchers } from "../components/Layout.tsx";
import { type MessageKey, t } from "../i18n/index.ts";
import { apiBase, setApiBase } from "../lib/api-base.ts";
import { createForm } from "../lib/form.ts";
import { maxLength, required, validate } from "../lib/validate.ts";
import { Link } from "../router.tsx";
import { endReason, login } from "../session.ts";

export function LoginPage() {
  const [username, setUsername] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [showServer, setShowServer] = createSignal(false);
  const [server, setServer] = createSignal(apiBase());
  const [serverError, setServerError] = createSignal<MessageKey | undefined>();

  const form = createForm<"username" | "password">({
    check: () =>
      validate(
        { username: username(), password: password() },
        { username: [required, maxLength(200)], password: [required, maxLength(500)] },
      ),
    send: () => login(username().trim(), password()),
  });
  const errors = form.errors;

  const saveServer = () => {
    if (setApiBase(server())) {
      setServerError(undefined);
      setServer(apiBase());
      setShowServer(false);
    } else setServerError("validate.url");
  };

  return (
    <div class="login-page">
      <div class="login-top">
        <Switchers />
      </div>
      <form class="card login-card" onSubmit={form.submit} noValidate>
        <h1>
          <BrandMark size={28} />
        </h1>
        <p class="muted">{t("login.subtitle")}</p>
        <BrandNotice />
        <Show when={endReason() === "expired"}>
          <p class="note" role="status">
            {t("login.expired")}
          </p>
        </Show>
        <TextField
          label={t("login.username")}
          error={errors().username}
          name="username"
          autocomplete="username"
          value={username()}
          onInput={setUsername}
        />
        <TextField
          label={t("login.password")}
          error={errors().password}
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
          <button type="button" class="link" onClick={() => setShowServer(!showServer())}>
            {t("login.server")}: {apiBase() || t("login.sameOrigin")}
          </button>
          <Link href="/portal">{t("nav.portal")}</Link>
          <Link href="/stats">{t("nav.publicStats")}</Link>
        </div>
        <Show when={showServer()}>
          <div class="server-box">
            <TextField
              label={t("login.serverUrl")}
              error={serverError()}
              hint={t("login.serverHint")}
              name="api-base"
              value={server()}
              onInput={setServer}
              placeholder="https://relay.example.com"
              inputmode="url"
            />
            <button type="button" class="secondary" onClick={saveServer}>
              {t("common.save")}
            </button>
          </div>
        </Show>
      </form>
    </div>
  );
}
