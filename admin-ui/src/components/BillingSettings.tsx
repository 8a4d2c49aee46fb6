// Settings section: billing events — the HTTP sink (URL, signing secret, batch size), a test send,
// and the delivery status (where events go, what waits, the last attempts).
import { createSignal, For, Show } from "solid-js";
import { type BillingTestResult, billingApi, type BillingSettings as Settings } from "../api/billing.ts";
import { bt } from "../i18n/billing.ts";
import { lang, t } from "../i18n/index.ts";
import { createAction } from "../lib/action.ts";
import { createForm } from "../lib/form.ts";
import { formatDateTime, formatNumber } from "../lib/format.ts";
import { createLoader, once } from "../lib/loader.ts";
import { OutcomeBadge } from "./Badge.tsx";
import { CheckField } from "./ChoiceFields.tsx";
import { ErrorBox } from "./ErrorBox.tsx";
import { TextField } from "./Field.tsx";
import { FormActions } from "./FormShell.tsx";

const isHttpUrl = (text: string) => {
  try {
    return ["http:", "https:"].includes(new URL(text).protocol);
  } catch {
    return false;
  }
};

function BillingForm(props: { initial: Settings; onSaved: () => void }) {
  const [enabled, setEnabled] = createSignal(props.initial.enabled);
  const [url, setUrl] = createSignal(props.initial.url ?? "");
  const [secret, setSecret] = createSignal("");
  const [secretSet, setSecretSet] = createSignal(props.initial.secretSet);
  const [batch, setBatch] = createSignal(String(props.initial.batchSize));
  const state = createForm<"url" | "batchSize">({
    check: () => ({
      ...(url().trim() === "" ? (enabled() ? { url: "validate.required" as const } : {}) : {}),
      ...(url().trim() !== "" && !isHttpUrl(url().trim()) ? { url: "validate.url" as const } : {}),
      ...(/^\d+$/.test(batch().trim()) && Number(batch()) >= 1 && Number(batch()) <= 1000
        ? {}
        : { batchSize: "validate.range" as const }),
    }),
    send: async () => {
      const saved = await billingApi.putSettings({
        enabled: enabled(),
        url: url().trim() === "" ? null : url().trim(),
        batchSize: Number(batch()),
        // Left empty: the stored secret stays.
        ...(secret() === "" ? {} : { secret: secret() }),
      });
      setSecret("");
      setSecretSet(saved.secretSet);
      props.onSaved();
    },
  });
  return (
    <form class="form" onSubmit={state.submit} noValidate data-testid="billing-settings">
      <p class="muted small">{bt("billing.hint")}</p>
      <CheckField label={bt("billing.enabled")} name="enabled" checked={enabled()} onChange={setEnabled} />
      <div class="form-grid">
        <TextField
          label={bt("billing.url")}
          wide
          hint={bt("billing.urlHint")}
          error={state.errors().url}
          name="url"
          value={url()}
          placeholder="https://billing.example.com/edge-relay"
          onInput={setUrl}
        />
        <TextField
          label={bt("billing.secret")}
          hint={secretSet() ? bt("billing.secretSet") : bt("billing.secretNone")}
          name="secret"
          type="password"
          autocomplete="new-password"
          value={secret()}
          onInput={setSecret}
        />
        <TextField
          label={bt("billing.batchSize")}
          error={state.errors().batchSize}
          name="batchSize"
          inputmode="numeric"
          value={batch()}
          onInput={setBatch}
        />
      </div>
      <FormActions form={state} submitLabel={t("common.save")} submitTestId="save-billing" />
    </form>
  );
}

function BillingStatusView(props: { refresh: number }) {
  const status = createLoader(
    () => props.refresh,
    () => billingApi.status(),
    { refreshMs: 10_000 },
  );
  return (
    <Show when={status.data()}>
      {(s) => (
        <div data-testid="billing-status">
          <dl class="facts">
            <dt>{bt("billing.sink")}</dt>
            <dd>{bt(`billing.sink.${s().sink}`)}</dd>
            <dt>{bt("billing.pending")}</dt>
            <dd>{formatNumber(s().pending, lang())}</dd>
            <dt>{bt("billing.delivered")}</dt>
            <dd>{formatNumber(s().delivered, lang())}</dd>
            <dt>{bt("billing.lastDelivered")}</dt>
            <dd>{formatDateTime(s().lastDeliveredAt, lang())}</dd>
          </dl>
          <h3>{bt("billing.attempts")}</h3>
          <Show when={s().attempts.length > 0} fallback={<p class="muted small">{bt("billing.none")}</p>}>
            <ul class="plain small">
              <For each={s().attempts.slice(0, 10)}>
                {(a) => (
                  <li>
                    <OutcomeBadge ok={a.ok}>{a.status ?? "—"}</OutcomeBadge> {formatDateTime(a.at, lang())} ·{" "}
                    {bt("billing.events", { n: a.events })}
                    <Show when={a.error}>{(e) => <span class="muted"> · {e()}</span>}</Show>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </div>
      )}
    </Show>
  );
}

export function BillingSettings() {
  const current = createLoader(once, () => billingApi.settings());
  const [refresh, setRefresh] = createSignal(0);
  const [tested, setTested] = createSignal<BillingTestResult | null>(null);
  const testing = createAction();
  const sendTest = async () => {
    await testing.run(async () => setTested(await billingApi.test()));
    setRefresh((n) => n + 1);
  };
  return (
    <section class="panel" data-testid="billing">
      <h2>{bt("billing.title")}</h2>
      <ErrorBox error={current.error()} />
      <Show when={current.data()}>
        {(s) => <BillingForm initial={s()} onSaved={() => setRefresh((n) => n + 1)} />}
      </Show>
      <div class="actions">
        <button
          type="button"
          class="secondary"
          disabled={testing.busy()}
          onClick={sendTest}
          data-testid="billing-test"
        >
          {bt("billing.test")}
        </button>
        <Show when={tested()}>
          {(r) =>
            r().ok ? (
              <span class="ok">{bt("billing.testOk", { status: r().status ?? "" })}</span>
            ) : (
              <span class="field-error">{bt("billing.testFailed", { error: r().error ?? "" })}</span>
            )
          }
        </Show>
      </div>
      <ErrorBox error={testing.error()} />
      <BillingStatusView refresh={refresh()} />
    </section>
  );
}
