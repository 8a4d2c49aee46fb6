// Webhooks: the master switch and retries, targets (add, edit, remove, test-send), and the log of
// recent delivery attempts. Secrets are never shown back: an empty secret field keeps the stored one.
import { createSignal, For, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import {
  WEBHOOK_EVENTS,
  WEBHOOK_TYPES,
  type WebhookConfig,
  type WebhookTarget,
  type WebhookTargetInput,
  type WebhookTestResult,
} from "../api/types.ts";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { CheckField, CheckList, SelectField, TextField } from "../components/Field.tsx";
import { FormActions, ModalForm } from "../components/FormShell.tsx";
import { createConfirm } from "../components/Modal.tsx";
import { lang, type MessageKey, t } from "../i18n/index.ts";
import { createAction } from "../lib/action.ts";
import { binder, createForm } from "../lib/form.ts";
import { formatDateTime } from "../lib/format.ts";
import { createLoader, once } from "../lib/loader.ts";
import { between, num, validate } from "../lib/validate.ts";
import {
  emptyTargetForm,
  secretIsSet,
  type TargetForm,
  type TargetFormField,
  TYPE_FIELDS,
  targetBodyFrom,
  targetFormFrom,
  targetInputOf,
  validateTargetForm,
} from "../lib/webhooks.ts";

export const TYPE_LABEL: Record<WebhookTarget["type"], string> = {
  custom: "Custom (JSON)",
  slack: "Slack",
  discord: "Discord",
  telegram: "Telegram",
  feishu: "Feishu / Lark",
  dingtalk: "DingTalk",
  wecom: "WeCom",
  bark: "Bark",
};

/** The config with one target replaced (or added, or removed when `next` is null), as a PUT body. */
function targetsWith(config: WebhookConfig, id: string, next: WebhookTargetInput | null) {
  const others = config.targets.map((target) => (target.id === id ? null : targetInputOf(target)));
  const index = config.targets.findIndex((target) => target.id === id);
  const list = others.filter((target): target is WebhookTargetInput => target !== null);
  if (next) {
    if (index >= 0) list.splice(index, 0, next);
    else list.push(next);
  }
  return list;
}

function TargetDialog(props: {
  config: WebhookConfig;
  editing?: WebhookTarget;
  onClose: () => void;
  onSaved: (config: WebhookConfig) => void;
}) {
  const [form, setForm] = createSignal<TargetForm>(
    props.editing ? targetFormFrom(props.editing) : emptyTargetForm(),
  );
  const state = createForm<TargetFormField>({
    check: () => validateTargetForm(form(), props.editing),
    send: async () => {
      const targets = targetsWith(props.config, form().id, targetBodyFrom(form()));
      props.onSaved(await adminApi.webhooks.put({ targets }));
    },
  });
  const errors = state.errors;
  const bind = binder(form, setForm, errors);
  const update = <K extends keyof TargetForm>(field: K, value: TargetForm[K]) =>
    setForm({ ...form(), [field]: value });
  const spec = () => TYPE_FIELDS[form().type];
  const storedSecret = () => props.editing?.type === form().type && secretIsSet(props.editing);

  return (
    <ModalForm
      title={props.editing ? t("webhooks.editTarget") : t("webhooks.addTarget")}
      onClose={props.onClose}
      wide
      testId="target-form"
      form={state}
      submitLabel={t("common.save")}
      submitTestId="save-target"
    >
      <div class="form-grid">
        <SelectField
          label={t("webhooks.type")}
          name="type"
          value={form().type}
          onChange={(v) => update("type", v)}
        >
          <For each={WEBHOOK_TYPES}>{(type) => <option value={type}>{TYPE_LABEL[type]}</option>}</For>
        </SelectField>
        <TextField label={t("common.name")} {...bind("name")} />
        <TextField
          label={t("webhooks.url")}
          error={errors().url}
          hint={spec().url === "optional" ? t("webhooks.urlOptional") : undefined}
          wide
          name="url"
          inputmode="url"
          placeholder="https://"
          value={form().url}
          onInput={(v) => update("url", v)}
        />
        <Show when={spec().secret}>
          <TextField
            label={spec().secret === "botToken" ? t("webhooks.botToken") : t("webhooks.secret")}
            error={errors().secret}
            hint={storedSecret() ? t("webhooks.secretKept") : t("webhooks.secretHint")}
            name="secret"
            type="password"
            autocomplete="off"
            value={form().secret}
            placeholder={storedSecret() ? "••••••••" : ""}
            onInput={(v) => update("secret", v)}
          />
          <Show when={storedSecret() && spec().secret === "secret"}>
            <CheckField
              name="clearSecret"
              label={t("webhooks.clearSecret")}
              checked={form().clearSecret}
              onChange={(v) => update("clearSecret", v)}
            />
          </Show>
        </Show>
        <Show when={spec().chatId}>
          <TextField label={t("webhooks.chatId")} {...bind("chatId")} />
        </Show>
        <Show when={spec().bark}>
          <TextField label={t("webhooks.deviceKey")} {...bind("deviceKey")} />
          <TextField label={t("webhooks.sound")} {...bind("sound")} />
          <TextField label={t("webhooks.group")} {...bind("group")} />
        </Show>
        <TextField
          label={t("webhooks.timeoutMs")}
          hint={t("webhooks.timeoutHint")}
          inputmode="numeric"
          {...bind("timeoutMs")}
        />
        <CheckField
          name="enabled"
          label={t("webhooks.targetEnabled")}
          checked={form().enabled}
          onChange={(v) => update("enabled", v)}
        />
        <CheckList
          label={t("webhooks.events")}
          hint={t("webhooks.eventsHint")}
          wide
          options={WEBHOOK_EVENTS}
          selected={form().events}
          onChange={(v) => update("events", v)}
          name={(event) => `event-${event}`}
          text={(event) => <span class="mono small">{event}</span>}
        />
      </div>
    </ModalForm>
  );
}

type GeneralField = "maxRetries" | "retryDelayMs" | "keyExpiryWarningDays";

function GeneralSettings(props: { config: WebhookConfig; onSaved: (config: WebhookConfig) => void }) {
  const initial = () => ({
    enabled: props.config.enabled,
    maxRetries: String(props.config.maxRetries),
    retryDelayMs: String(props.config.retryDelayMs),
    keyExpiryWarningDays: String(props.config.keyExpiryWarningDays),
  });
  const [form, setForm] = createSignal(initial());
  const check = () =>
    validate<GeneralField>(form(), {
      maxRetries: [between(0, 10)],
      retryDelayMs: [between(100, 3_600_000)],
      keyExpiryWarningDays: [
        (v: string) =>
          v.trim() === "" || (Number.isFinite(Number(v)) && Number(v) >= 0 && Number(v) <= 90)
            ? null
            : "validate.range",
      ],
    });
  const state = createForm<GeneralField>({
    check,
    send: async () => {
      const value = form();
      const result = await adminApi.webhooks.put({
        enabled: value.enabled,
        maxRetries: num(value.maxRetries),
        retryDelayMs: value.retryDelayMs.trim() === "" ? 1000 : num(value.retryDelayMs),
        keyExpiryWarningDays: num(value.keyExpiryWarningDays),
        targets: props.config.targets.map(targetInputOf),
      });
      props.onSaved(result);
    },
  });
  const bind = binder(form, setForm, state.errors);
  return (
    <form class="card form" onSubmit={state.submit} noValidate data-testid="webhook-general">
      <h2>{t("webhooks.general")}</h2>
      <div class="form-grid">
        <CheckField
          name="webhooksEnabled"
          label={t("webhooks.enabled")}
          checked={form().enabled}
          onChange={(v) => setForm({ ...form(), enabled: v })}
        />
        <TextField label={t("webhooks.maxRetries")} hint="0–10" inputmode="numeric" {...bind("maxRetries")} />
        <TextField
          label={t("webhooks.retryDelayMs")}
          hint={t("webhooks.retryHint")}
          inputmode="numeric"
          {...bind("retryDelayMs")}
        />
        <TextField
          label={t("webhooks.expiryDays")}
          hint={t("webhooks.expiryHint")}
          inputmode="decimal"
          {...bind("keyExpiryWarningDays")}
        />
      </div>
      <FormActions form={state} submitLabel={t("common.save")} submitTestId="save-general" />
    </form>
  );
}

export function WebhooksPage() {
  const config = createLoader(once, () => adminApi.webhooks.get());
  const log = createLoader(once, () => adminApi.webhooks.deliveries(100));
  const [editing, setEditing] = createSignal<WebhookTarget | "new" | null>(null);
  const [testing, setTesting] = createSignal<string | null>(null);
  const [results, setResults] = createSignal<WebhookTestResult[] | null>(null);
  const tester = createAction();
  const confirm = createConfirm<WebhookTarget>({
    action: createAction(),
    title: () => t("webhooks.removeTitle"),
    message: (target) => t("webhooks.removeConfirm", { name: target.name || target.id }),
    confirmLabel: () => t("common.remove"),
    work: async (target) => {
      const current = config.data();
      if (current)
        config.set(await adminApi.webhooks.put({ targets: targetsWith(current, target.id, null) }));
    },
  });

  const nameOf = (id: string) => {
    const target = config.data()?.targets.find((t) => t.id === id);
    return target?.name || id;
  };
  const test = async (targetId?: string) => {
    setTesting(targetId ?? "*");
    setResults(null);
    await tester.run(async () => setResults((await adminApi.webhooks.test(targetId)).results));
    setTesting(null);
    void log.reload();
  };

  return (
    <div class="page">
      <div class="page-head">
        <h1>{t("nav.webhooks")}</h1>
        <div class="row">
          <button
            type="button"
            class="secondary"
            onClick={() => {
              void config.reload();
              void log.reload();
            }}
          >
            {t("common.refresh")}
          </button>
        </div>
      </div>
      <ErrorBox error={config.error()} />
      <Show when={config.data()}>
        {(current) => (
          <>
            <GeneralSettings config={current()} onSaved={(saved) => config.set(saved)} />

            <section class="card" data-testid="webhook-targets">
              <div class="page-head">
                <h2>{t("webhooks.targets")}</h2>
                <div class="row">
                  <button
                    type="button"
                    class="secondary"
                    disabled={testing() !== null || current().targets.length === 0}
                    data-testid="test-all"
                    onClick={() => test()}
                  >
                    {t("webhooks.testAll")}
                  </button>
                  <button
                    type="button"
                    class="primary"
                    data-testid="add-target"
                    onClick={() => setEditing("new")}
                  >
                    {t("webhooks.addTarget")}
                  </button>
                </div>
              </div>
              <ErrorBox error={tester.error()} />
              <Show when={results()}>
                {(list) => (
                  <ul class="test-results" data-testid="test-results">
                    <Show when={list().length === 0}>
                      <li class="muted">{t("webhooks.noneEnabled")}</li>
                    </Show>
                    <For each={list()}>
                      {(r) => (
                        <li>
                          <span class={`badge ${r.ok ? "active" : "error"}`}>
                            {r.ok ? t("webhooks.sent") : t("webhooks.failed")}
                          </span>{" "}
                          {nameOf(r.targetId)} · {r.status ?? "—"} · {r.durationMs} ms
                          <Show when={r.error}>
                            <span class="muted"> · {r.error}</span>
                          </Show>
                        </li>
                      )}
                    </For>
                  </ul>
                )}
              </Show>
              <Show
                when={current().targets.length > 0}
                fallback={<p class="muted">{t("webhooks.noTargets")}</p>}
              >
                <div class="table-wrap">
                  <table class="cards" data-testid="targets-table">
                    <thead>
                      <tr>
                        <th>{t("common.name")}</th>
                        <th>{t("webhooks.type")}</th>
                        <th>{t("webhooks.events")}</th>
                        <th>{t("webhooks.secret")}</th>
                        <th>{t("common.status")}</th>
                        <th class="actions-col">{t("common.actions")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={current().targets}>
                        {(target) => (
                          <tr data-testid="target-row" data-target-id={target.id}>
                            <td>
                              <span class="strong">{target.name || target.id}</span>
                              <Show when={target.url}>
                                <div class="muted mono small">{target.url}</div>
                              </Show>
                            </td>
                            <td data-label={t("webhooks.type")}>{TYPE_LABEL[target.type]}</td>
                            <td data-label={t("webhooks.events")} class="small">
                              {target.events.length === 0
                                ? t("webhooks.allEvents")
                                : target.events.join(", ")}
                            </td>
                            <td data-label={t("webhooks.secret")}>
                              {TYPE_FIELDS[target.type].secret
                                ? secretIsSet(target)
                                  ? t("webhooks.secretSet")
                                  : t("webhooks.secretNotSet")
                                : "—"}
                            </td>
                            <td data-label={t("common.status")}>
                              <span class={`badge ${target.enabled ? "active" : "disabled"}`}>
                                {target.enabled ? t("status.active") : t("status.disabled")}
                              </span>
                            </td>
                            <td class="actions-col">
                              <div class="row-actions">
                                <button
                                  type="button"
                                  class="small secondary"
                                  data-testid="test-target"
                                  disabled={testing() !== null}
                                  onClick={() => test(target.id)}
                                >
                                  {testing() === target.id ? t("webhooks.sending") : t("webhooks.test")}
                                </button>
                                <button
                                  type="button"
                                  class="small secondary"
                                  data-testid="edit-target"
                                  onClick={() => setEditing(target)}
                                >
                                  {t("common.edit")}
                                </button>
                                <button
                                  type="button"
                                  class="small danger"
                                  data-testid="remove-target"
                                  onClick={() => confirm.ask(target)}
                                >
                                  {t("common.remove")}
                                </button>
                              </div>
                            </td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
              </Show>
            </section>

            <Show when={editing()}>
              {(which) => {
                const target = which();
                return (
                  <TargetDialog
                    config={current()}
                    editing={target === "new" ? undefined : target}
                    onClose={() => setEditing(null)}
                    onSaved={(saved) => {
                      setEditing(null);
                      config.set(saved);
                    }}
                  />
                );
              }}
            </Show>
            {confirm.dialog()}
          </>
        )}
      </Show>

      <section class="card" data-testid="deliveries">
        <div class="page-head">
          <h2>{t("webhooks.deliveries")}</h2>
          <button type="button" class="secondary small" onClick={() => void log.reload()}>
            {t("common.refresh")}
          </button>
        </div>
        <ErrorBox error={log.error()} />
        <Show when={log.data()}>
          {(data) => (
            <>
              <Show when={data().queue.waiting > 0}>
                <p class="muted">{t("webhooks.waiting", { count: data().queue.waiting })}</p>
              </Show>
              <Show
                when={data().deliveries.length > 0}
                fallback={<p class="muted">{t("webhooks.noDeliveries")}</p>}
              >
                <div class="table-wrap">
                  <table class="cards" data-testid="deliveries-table">
                    <thead>
                      <tr>
                        <th>{t("keyDetail.time")}</th>
                        <th>{t("webhooks.event")}</th>
                        <th>{t("webhooks.target")}</th>
                        <th>{t("webhooks.attempt")}</th>
                        <th>{t("webhooks.outcome")}</th>
                        <th>{t("webhooks.httpStatus")}</th>
                        <th>{t("keyDetail.duration")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={data().deliveries}>
                        {(row) => (
                          <tr data-testid="delivery-row">
                            <td>{formatDateTime(row.at, lang())}</td>
                            <td data-label={t("webhooks.event")} class="mono small">
                              {row.eventType}
                            </td>
                            <td data-label={t("webhooks.target")}>
                              {nameOf(row.targetId)} <span class="muted small">({row.targetType})</span>
                            </td>
                            <td data-label={t("webhooks.attempt")}>{row.attempt}</td>
                            <td data-label={t("webhooks.outcome")}>
                              <span class={`badge ${row.ok ? "active" : "error"}`}>
                                {t(OUTCOME_LABEL[row.outcome])}
                              </span>
                              <Show when={row.error}>
                                <div class="muted small">{row.error}</div>
                              </Show>
                            </td>
                            <td data-label={t("webhooks.httpStatus")}>{row.status ?? "—"}</td>
                            <td data-label={t("keyDetail.duration")}>{row.durationMs} ms</td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
              </Show>
            </>
          )}
        </Show>
      </section>
    </div>
  );
}

const OUTCOME_LABEL: Record<"delivered" | "retrying" | "gave-up" | "test", MessageKey> = {
  delivered: "webhooks.delivered",
  retrying: "webhooks.retrying",
  "gave-up": "webhooks.gaveUp",
  test: "webhooks.testOutcome",
};
