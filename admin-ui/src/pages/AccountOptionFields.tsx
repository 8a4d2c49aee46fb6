// The options that keep a (subscription) account within its limits: other clients on a Claude
// subscription, a stop above N % of its 5-hour window, a daily cost quota and the subscription's
// end; and the model mapping of the types that rename the client's model.
import { Show } from "solid-js";
import type { AccountType } from "../api/types.ts";
import { AreaField, CheckField } from "../components/ChoiceFields.tsx";
import { TextField } from "../components/Field.tsx";
import { type MessageKey, t } from "../i18n/index.ts";
import { zoneName } from "../lib/account-windows.ts";
import type { SettingsField, SettingsForm } from "../lib/accounts.ts";
import { binder } from "../lib/form.ts";

export function AccountOptionFields(props: {
  type: AccountType;
  form: SettingsForm;
  errors: Partial<Record<SettingsField, MessageKey>>;
  onChange: (form: SettingsForm) => void;
}) {
  const bind = binder(
    () => props.form,
    (next) => props.onChange(next),
    () => props.errors,
  );
  return (
    <fieldset data-testid="account-options">
      <legend>{t("accounts.subscription")}</legend>
      <div class="form-grid">
        <Show when={props.type === "claude-oauth"}>
          <div class="field wide">
            <CheckField
              label={t("accounts.allowOtherClients")}
              name="allowOtherClients"
              checked={props.form.allowOtherClients}
              onChange={(on) => props.onChange({ ...props.form, allowOtherClients: on })}
            />
            <span class="hint">{t("accounts.allowOtherClientsHint")}</span>
          </div>
          <TextField
            label={t("accounts.stopAt5hPercent")}
            hint={t("accounts.stopAt5hPercentHint")}
            inputmode="decimal"
            placeholder="0"
            {...bind("stopAt5hPercent")}
          />
        </Show>
        <TextField
          label={t("accounts.dailyCostLimitUsd")}
          hint={t("accounts.dailyCostLimitHint")}
          inputmode="decimal"
          placeholder="0"
          {...bind("dailyCostLimitUsd")}
        />
        <TextField
          label={t("accounts.subscriptionExpiresAt")}
          hint={t("accounts.subscriptionExpiresHint", { zone: zoneName() })}
          type="datetime-local"
          {...bind("subscriptionExpiresAt")}
        />
        <TextField
          label={t("accounts.balanceUsd")}
          hint={t("accounts.balanceHint")}
          inputmode="decimal"
          {...bind("balanceUsd")}
        />
        <TextField
          label={t("accounts.balanceAlertUsd")}
          hint={t("accounts.balanceAlertHint")}
          inputmode="decimal"
          placeholder="0"
          {...bind("balanceAlertUsd")}
        />
        <div class="field">
          <CheckField
            label={t("accounts.stopAtZeroBalance")}
            name="stopAtZeroBalance"
            checked={props.form.stopAtZeroBalance}
            onChange={(on) => props.onChange({ ...props.form, stopAtZeroBalance: on })}
          />
        </div>
      </div>
    </fieldset>
  );
}

/** One `client-model=upstream-model` a line, as the Bedrock form edits its mapping. */
export function ModelMappingField(props: {
  value: string;
  error?: MessageKey | undefined;
  onInput: (value: string) => void;
}) {
  return (
    <AreaField
      label={t("accounts.modelMapping")}
      hint={t("accounts.modelMappingHint")}
      wide
      rows="3"
      name="modelMapping"
      placeholder="claude-sonnet-4-5=claude-sonnet-4-5-20250929"
      error={props.error}
      value={props.value}
      onInput={props.onInput}
    />
  );
}
