// Settings section: site name, logo URL and notice (shown in the header, login and stats pages).
import { createSignal, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import type { Branding } from "../api/ops-types.ts";
import { setBranding } from "../branding.ts";
import { type MessageKey, t } from "../i18n/index.ts";
import { createForm } from "../lib/form.ts";
import { createLoader, once } from "../lib/loader.ts";
import { AreaField } from "./ChoiceFields.tsx";
import { ErrorBox } from "./ErrorBox.tsx";
import { TextField } from "./Field.tsx";
import { FormActions } from "./FormShell.tsx";

/** The relay accepts https URLs and data: images only (no script, no mixed content). */
export function logoUrlError(value: string): MessageKey | undefined {
  const v = value.trim();
  if (!v || /^https:\/\/\S+$/.test(v) || /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,/.test(v))
    return undefined;
  return "branding.logoInvalid";
}

function BrandingForm(props: { initial: Branding }) {
  const [siteName, setSiteName] = createSignal(props.initial.siteName);
  const [logoUrl, setLogoUrl] = createSignal(props.initial.logoUrl);
  const [notice, setNotice] = createSignal(props.initial.notice);
  const state = createForm<"logoUrl">({
    check: () => {
      const error = logoUrlError(logoUrl());
      return error ? { logoUrl: error } : {};
    },
    send: async () => {
      const next = await adminApi.branding.put({
        siteName: siteName().trim(),
        logoUrl: logoUrl().trim(),
        notice: notice().trim(),
      });
      setBranding(next);
    },
  });

  return (
    <form class="form" onSubmit={state.submit} noValidate data-testid="branding-form">
      <div class="form-grid">
        <TextField
          label={t("branding.siteName")}
          hint={t("branding.siteNameHint")}
          name="siteName"
          value={siteName()}
          onInput={setSiteName}
          placeholder="edge-relay"
        />
        <TextField
          label={t("branding.logoUrl")}
          error={state.errors().logoUrl}
          hint={t("branding.logoHint")}
          name="logoUrl"
          value={logoUrl()}
          onInput={setLogoUrl}
          inputmode="url"
        />
        <AreaField
          label={t("branding.notice")}
          hint={t("branding.noticeHint")}
          wide
          name="notice"
          maxLength={1000}
          value={notice()}
          onInput={(v) => setNotice(v)}
        />
      </div>
      <FormActions form={state} submitLabel={t("common.save")} submitTestId="save-branding" />
    </form>
  );
}

export function BrandingSettings() {
  const current = createLoader(once, () => adminApi.branding.get());
  return (
    <section class="panel" data-testid="branding">
      <h2>{t("branding.title")}</h2>
      <ErrorBox error={current.error()} />
      <Show when={current.data()}>{(b) => <BrandingForm initial={b()} />}</Show>
    </section>
  );
}
