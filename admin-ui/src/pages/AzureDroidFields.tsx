// The fields Azure OpenAI and Droid accounts have beyond the shared settings.
import { Field, TextInput } from "../components/Field.tsx";
import { type MessageKey, t } from "../i18n/index.ts";
import type { AzureField, AzureForm } from "../lib/azure-droid.ts";

export function AzureFields(props: {
  form: AzureForm;
  errors: Partial<Record<AzureField, MessageKey>>;
  onChange: (form: AzureForm) => void;
}) {
  const set = (field: AzureField, value: string) => props.onChange({ ...props.form, [field]: value });
  const input = (field: AzureField, label: MessageKey, hint: MessageKey, placeholder = "") => (
    <Field label={t(label)} error={props.errors[field]} hint={t(hint)}>
      <TextInput
        name={field}
        placeholder={placeholder}
        value={props.form[field]}
        onInput={(v) => set(field, v)}
      />
    </Field>
  );
  return (
    <div class="form-grid" data-testid="azure-fields">
      {input("deployment", "azure.deployment", "azure.deploymentHint")}
      {input("apiVersion", "azure.apiVersion", "azure.apiVersionHint", "2024-10-21")}
      {input(
        "responsesApiVersion",
        "azure.responsesApiVersion",
        "azure.apiVersionHint",
        "2025-04-01-preview",
      )}
    </div>
  );
}

export function DroidFields(props: { userAgent: string; onChange: (value: string) => void }) {
  return (
    <Field label={t("droid.userAgent")} hint={t("droid.userAgentHint")}>
      <TextInput
        name="userAgent"
        placeholder="factory-cli/0.32.1"
        value={props.userAgent}
        onInput={props.onChange}
      />
    </Field>
  );
}
