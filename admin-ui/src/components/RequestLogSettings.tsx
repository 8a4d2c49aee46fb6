// Settings section: how long and how many requests the request log keeps.
import { createSignal, Show } from "solid-js";
import { type LogSettings, requestLogApi } from "../api/request-log.ts";
import { t } from "../i18n/index.ts";
import { lt } from "../i18n/request-log.ts";
import { createForm } from "../lib/form.ts";
import { createLoader, once } from "../lib/loader.ts";
import { ErrorBox } from "./ErrorBox.tsx";
import { TextField } from "./Field.tsx";
import { FormActions } from "./FormShell.tsx";

const wholeIn = (text: string, min: number, max: number) => {
  const n = Number(text.trim());
  return /^\d+$/.test(text.trim()) && n >= min && n <= max;
};

function RequestLogForm(props: { initial: LogSettings }) {
  const [days, setDays] = createSignal(String(props.initial.retentionDays));
  const [max, setMax] = createSignal(String(props.initial.maxEntries));
  const state = createForm<"retentionDays" | "maxEntries">({
    check: () => ({
      ...(wholeIn(days(), 1, 30) ? {} : { retentionDays: "validate.range" as const }),
      ...(wholeIn(max(), 100, 200_000) ? {} : { maxEntries: "validate.range" as const }),
    }),
    send: () => requestLogApi.putSettings({ retentionDays: Number(days()), maxEntries: Number(max()) }),
  });
  return (
    <form class="form" onSubmit={state.submit} noValidate data-testid="request-log-settings">
      <p class="muted small">{lt("log.settingsHint")}</p>
      <div class="form-grid">
        <TextField
          label={lt("log.retentionDays")}
          hint={lt("log.retentionHint")}
          error={state.errors().retentionDays}
          name="retentionDays"
          inputmode="numeric"
          value={days()}
          onInput={setDays}
        />
        <TextField
          label={lt("log.maxEntries")}
          hint={lt("log.maxEntriesHint")}
          error={state.errors().maxEntries}
          name="maxEntries"
          inputmode="numeric"
          value={max()}
          onInput={setMax}
        />
      </div>
      <FormActions form={state} submitLabel={t("common.save")} submitTestId="save-request-log" />
    </form>
  );
}

export function RequestLogSettings() {
  const current = createLoader(once, () => requestLogApi.settings());
  return (
    <section class="panel" data-testid="request-log-retention">
      <h2>{lt("log.settingsTitle")}</h2>
      <ErrorBox error={current.error()} />
      <Show when={current.data()}>{(s) => <RequestLogForm initial={s()} />}</Show>
    </section>
  );
}
