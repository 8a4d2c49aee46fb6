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
import { ActiveBadge, OutcomeBadge } from "../components/Badge.tsx";
import { CheckField, CheckList, SelectField } from "../components/ChoiceFields.tsx";
import { DataTable, RowButton } from "../components/DataTable.tsx";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { TextField } from "../components/Field.tsx";
import { FormActions, ModalForm } from "../components/FormShell.tsx";
import { createConfirm } from "../components/Modal.tsx";
import { PageHead } from "../components/PageHead.tsx";
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
      <PageHead
        title={t("nav.webhooks")}
        onRefresh={() => {
          void config.reload();
          void log.reload();
        }}
      />
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
                          <OutcomeBadge ok={r.ok}>
                            {r.ok ? t("webhooks.sent") : t("webhooks.failed")}
                          </OutcomeBadge>{" "}
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
              <DataTable
                rows={current().targets}
                empty={t("webhooks.noTargets")}
                testId="targets-table"
                rowTestId="target-row"
                rowAttrs={(target) => ({ "data-target-id": target.id })}
                columns={[
                  {
                    head: t("common.name"),
                    cell: (target) => (
                      <>
                        <span class="strong">{target.name || target.id}</span>
                        <Show when={target.url}>
                          <div class="muted mono small">{target.url}</div>
                        </Show>
                      </>
                    ),
                  },
                  { head: t("webhooks.type"), cell: (target) => TYPE_LABEL[target.type] },
                  {
                    head: t("webhooks.events"),
                    cellClass: "small",
                    cell: (target) =>
                      target.events.length === 0 ? t("webhooks.allEvents") : target.events.join(", "),
                  },
                  {
                    head: t("webhooks.secret"),
                    cell: (target) =>
                      TYPE_FIELDS[target.type].secret
                        ? secretIsSet(target)
                          ? t("webhooks.secretSet")
                          : t("webhooks.secretNotSet")
                        : "—",
                  },
                  { head: t("common.status"), cell: (target) => <ActiveBadge active={target.enabled} /> },
                ]}
                actions={(target) => (
                  <>
                    <RowButton
                      testId="test-target"
                      disabled={testing() !== null}
                      onClick={() => test(target.id)}
                    >
                      {testing() === target.id ? t("webhooks.sending") : t("webhooks.test")}
                    </RowButton>
                    <RowButton testId="edit-target" onClick={() => setEditing(target)}>
                      {t("common.edit")}
                    </RowButton>
                    <RowButton testId="remove-target" danger onClick={() => confirm.ask(target)}>
                      {t("common.remove")}
                    </RowButton>
                  </>
                )}
              />
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
              <DataTable
                rows={data().deliveries}
                empty={t("webhooks.noDeliveries")}
                testId="deliveries-table"
                rowTestId="delivery-row"
                columns={[
                  { head: t("keyDetail.time"), cell: (row) => formatDateTime(row.at, lang()) },
                  { head: t("webhooks.event"), cellClass: "mono small", cell: (row) => row.eventType },
                  {
                    head: t("webhooks.target"),
                    cell: (row) => (
                      <>
                        {nameOf(row.targetId)} <span class="muted small">({row.targetType})</span>
                      </>
                    ),
                  },
                  { head: t("webhooks.attempt"), cell: (row) => row.attempt },
                  {
                    head: t("webhooks.outcome"),
                    cell: (row) => (
                      <>
                        <OutcomeBadge ok={row.ok}>{t(OUTCOME_LABEL[row.outcome])}</OutcomeBadge>
                        <Show when={row.error}>
                          <div class="muted small">{row.error}</div>
                        </Show>
                      </>
                    ),
                  },
                  { head: t("webhooks.httpStatus"), cell: (row) => row.status ?? "—" },
                  { head: t("keyDetail.duration"), cell: (row) => `${row.durationMs} ms` },
                ]}
              />
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
