// The fields Azure OpenAI and Droid accounts have beyond the shared settings.
import { TextField } from "../components/Field.tsx";
import { type MessageKey, t } from "../i18n/index.ts";
import type { AzureField, AzureForm } from "../lib/azure-droid.ts";
import { binder } from "../lib/form.ts";

export function AzureFields(props: {
  form: AzureForm;
  errors: Partial<Record<AzureField, MessageKey>>;
  onChange: (form: AzureForm) => void;
}) {
  const bind = binder(
    () => props.form,
    (next) => props.onChange(next),
    () => props.errors,
  );
  return (
    <div class="form-grid" data-testid="azure-fields">
      <TextField label={t("azure.deployment")} hint={t("azure.deploymentHint")} {...bind("deployment")} />
      <TextField
        label={t("azure.apiVersion")}
        hint={t("azure.apiVersionHint")}
        placeholder="2024-10-21"
        {...bind("apiVersion")}
      />
      <TextField
        label={t("azure.responsesApiVersion")}
        hint={t("azure.apiVersionHint")}
        placeholder="2025-04-01-preview"
        {...bind("responsesApiVersion")}
      />
    </div>
  );
}

export function DroidFields(props: { userAgent: string; onChange: (value: string) => void }) {
  return (
    <TextField
      label={t("droid.userAgent")}
      hint={t("droid.userAgentHint")}
      name="userAgent"
      placeholder="factory-cli/0.32.1"
      value={props.userAgent}
      onInput={props.onChange}
    />
  );
}
