// The account form's egress proxy: a URL field (typed like a secret: its credentials are never
// shown back), the current proxy's address, and a switch to remove it.
import { Show } from "solid-js";
import type { Account } from "../api/types.ts";
import { CheckField } from "../components/ChoiceFields.tsx";
import { TextField } from "../components/Field.tsx";
import { type MessageKey, t } from "../i18n/index.ts";
import { type ProxyForm, proxyLabel } from "../lib/proxy.ts";

export function ProxyField(props: {
  form: ProxyForm;
  current?: Account["proxy"];
  error?: MessageKey;
  onChange: (form: ProxyForm) => void;
}) {
  const current = () => props.current ?? null;
  return (
    <div class="form-grid">
      <TextField
        label={t("accounts.proxy")}
        hint={
          current()
            ? t("accounts.proxyCurrent", { proxy: proxyLabel(current() as NonNullable<Account["proxy"]>) })
            : t("accounts.proxyHint")
        }
        error={props.error}
        name="account-proxy"
        type="password"
        autocomplete="off"
        placeholder="socks5://user:pass@host:1080"
        value={props.form.url}
        onInput={(url: string) => props.onChange({ ...props.form, url })}
        wide
      />
      <Show when={current()}>
        <CheckField
          label={t("accounts.proxyRemove")}
          name="account-proxy-remove"
          checked={props.form.remove}
          onChange={(remove: boolean) => props.onChange({ ...props.form, remove })}
        />
      </Show>
    </div>
  );
}
