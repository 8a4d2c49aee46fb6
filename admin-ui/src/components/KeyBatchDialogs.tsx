// The Keys page's batch dialogs: create many keys from one template (their secrets shown once, to
// download as CSV or text), change limits and tags of the selected keys, and rename or remove a tag
// on every key.
import { createSignal, For, Show } from "solid-js";
import { type CreatedKey, keyPagesApi } from "../api/key-pages.ts";
import { t } from "../i18n/index.ts";
import { mt } from "../i18n/keys-many.ts";
import { createAction } from "../lib/action.ts";
import {
  BATCH_NUMBER_FIELDS,
  type BatchEditForm,
  type BatchNumberField,
  batchEditBody,
  createdKeysCsv,
  createdKeysText,
  downloadText,
  parseTagList,
} from "../lib/key-batches.ts";
import { CopyButton } from "./CopyButton.tsx";
import { ErrorBox } from "./ErrorBox.tsx";
import { TextField } from "./Field.tsx";
import { Modal } from "./Modal.tsx";

const NUMBER_LABEL: Record<BatchNumberField, Parameters<typeof mt>[0]> = {
  dailyCostLimit: "many.dailyCost",
  totalCostLimit: "many.totalCost",
  concurrencyLimit: "many.concurrency",
};

export function BatchCreateDialog(props: { onClose: () => void; onCreated: () => void }) {
  const [count, setCount] = createSignal("10");
  const [prefix, setPrefix] = createSignal("key");
  const [tags, setTags] = createSignal("");
  const [limits, setLimits] = createSignal<Record<BatchNumberField, string>>({
    dailyCostLimit: "",
    totalCostLimit: "",
    concurrencyLimit: "",
  });
  const [invalid, setInvalid] = createSignal<string | null>(null);
  const [created, setCreated] = createSignal<CreatedKey[] | null>(null);
  const action = createAction();

  const submit = () => {
    const n = Number(count());
    if (!Number.isInteger(n) || n < 1 || n > 500) return setInvalid(mt("many.invalidCount"));
    const parsed = batchEditBody([], { ...limits(), addTags: "", removeTags: "" });
    if ("invalid" in parsed)
      return setInvalid(`${mt(NUMBER_LABEL[parsed.invalid])}: ${mt("many.invalidNumber")}`);
    setInvalid(null);
    const template = {
      name: prefix().trim() || "key",
      tags: parseTagList(tags()),
      ...(parsed.body.limits ? { limits: parsed.body.limits } : {}),
    };
    void action.run(async () => {
      setCreated(await keyPagesApi.batchCreate({ count: n, template }));
      props.onCreated();
    });
  };

  return (
    <Show
      when={created()}
      fallback={
        <Modal title={mt("many.batchTitle")} onClose={props.onClose}>
          <form
            class="form-grid"
            data-testid="batch-create-form"
            onSubmit={(e) => {
              e.preventDefault();
              submit();
            }}
          >
            <TextField label={mt("many.count")} value={count()} onInput={setCount} inputmode="numeric" />
            <TextField
              label={mt("many.namePrefix")}
              hint={mt("many.namePrefixHint")}
              value={prefix()}
              onInput={setPrefix}
            />
            <TextField label={mt("many.tags")} hint={mt("many.tagsHint")} value={tags()} onInput={setTags} />
            <For each={BATCH_NUMBER_FIELDS}>
              {(field) => (
                <TextField
                  label={mt(NUMBER_LABEL[field])}
                  hint={mt("many.zeroNone")}
                  value={limits()[field]}
                  inputmode="decimal"
                  onInput={(v) => setLimits({ ...limits(), [field]: v })}
                />
              )}
            </For>
            <Show when={invalid()}>{(message) => <p class="field-error wide">{message()}</p>}</Show>
            <ErrorBox error={action.error()} />
            <div class="actions wide">
              <button type="button" class="secondary" onClick={() => props.onClose()}>
                {t("common.cancel")}
              </button>
              <button
                type="submit"
                class="primary"
                disabled={action.busy()}
                data-testid="batch-create-submit"
              >
                {mt("many.create")}
              </button>
            </div>
          </form>
        </Modal>
      }
    >
      {(keys) => <CreatedKeysDialog created={keys()} onClose={props.onClose} />}
    </Show>
  );
}

function CreatedKeysDialog(props: { created: CreatedKey[]; onClose: () => void }) {
  const text = () => createdKeysText(props.created);
  return (
    <Modal title={mt("many.createdTitle", { n: props.created.length })} onClose={props.onClose} sticky wide>
      <p class="note">{mt("many.createdNote")}</p>
      <textarea class="secret-list mono" readonly rows={8} data-testid="batch-secrets" value={text()} />
      <div class="actions">
        <button
          type="button"
          class="secondary"
          data-testid="download-csv"
          onClick={() => downloadText("relay-keys.csv", createdKeysCsv(props.created), "text/csv")}
        >
          {mt("many.downloadCsv")}
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() => downloadText("relay-keys.txt", text(), "text/plain")}
        >
          {mt("many.downloadText")}
        </button>
        <CopyButton text={text()} />
        <button
          type="button"
          class="primary"
          data-testid="batch-secrets-done"
          onClick={() => props.onClose()}
        >
          {mt("many.done")}
        </button>
      </div>
    </Modal>
  );
}

export function BatchEditDialog(props: { ids: string[]; onClose: () => void; onDone: () => void }) {
  const [form, setForm] = createSignal<BatchEditForm>({
    dailyCostLimit: "",
    totalCostLimit: "",
    concurrencyLimit: "",
    addTags: "",
    removeTags: "",
  });
  const [invalid, setInvalid] = createSignal<string | null>(null);
  const action = createAction();
  const set = (field: keyof BatchEditForm, value: string) => setForm({ ...form(), [field]: value });
  const submit = () => {
    const parsed = batchEditBody(props.ids, form());
    if ("invalid" in parsed)
      return setInvalid(`${mt(NUMBER_LABEL[parsed.invalid])}: ${mt("many.invalidNumber")}`);
    setInvalid(null);
    void action.run(async () => {
      await keyPagesApi.batchEdit(parsed.body);
      props.onDone();
    });
  };
  return (
    <Modal title={mt("many.editTitle", { n: props.ids.length })} onClose={props.onClose}>
      <form
        class="form-grid"
        data-testid="batch-edit-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <For each={BATCH_NUMBER_FIELDS}>
          {(field) => (
            <TextField
              label={mt(NUMBER_LABEL[field])}
              hint={mt("many.zeroNone")}
              value={form()[field]}
              inputmode="decimal"
              onInput={(v) => set(field, v)}
            />
          )}
        </For>
        <TextField
          label={mt("many.addTags")}
          hint={mt("many.tagsHint")}
          value={form().addTags}
          onInput={(v) => set("addTags", v)}
        />
        <TextField
          label={mt("many.removeTags")}
          hint={mt("many.tagsHint")}
          value={form().removeTags}
          onInput={(v) => set("removeTags", v)}
        />
        <Show when={invalid()}>{(message) => <p class="field-error wide">{message()}</p>}</Show>
        <ErrorBox error={action.error()} />
        <div class="actions wide">
          <button type="button" class="secondary" onClick={() => props.onClose()}>
            {t("common.cancel")}
          </button>
          <button type="submit" class="primary" disabled={action.busy()} data-testid="batch-edit-submit">
            {mt("many.apply")}
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function TagsDialog(props: {
  tags: Array<{ tag: string; keys: number }>;
  onClose: () => void;
  onChanged: () => void;
}) {
  const [renaming, setRenaming] = createSignal<string | null>(null);
  const [to, setTo] = createSignal("");
  const action = createAction();
  const rename = (from: string) =>
    void action.run(async () => {
      await keyPagesApi.renameTag(from, to().trim());
      setRenaming(null);
      props.onChanged();
    });
  const remove = (tag: string) =>
    void action.run(async () => {
      await keyPagesApi.deleteTag(tag);
      props.onChanged();
    });
  return (
    <Modal title={mt("many.tagsTitle")} onClose={props.onClose}>
      <ErrorBox error={action.error()} />
      <Show when={props.tags.length > 0} fallback={<p class="muted">{mt("many.noTags")}</p>}>
        <ul class="tag-admin" data-testid="tag-list">
          <For each={props.tags}>
            {(entry) => (
              <li data-testid="tag-entry" data-tag={entry.tag}>
                <Show
                  when={renaming() === entry.tag}
                  fallback={
                    <>
                      <span class="tag">{entry.tag}</span>
                      <span class="muted small">{mt("many.tagKeys", { n: entry.keys })}</span>
                      <span class="row-actions">
                        <button
                          type="button"
                          class="secondary small"
                          data-testid="rename-tag"
                          onClick={() => {
                            setTo(entry.tag);
                            setRenaming(entry.tag);
                          }}
                        >
                          {mt("many.rename")}
                        </button>
                        <button
                          type="button"
                          class="danger small"
                          data-testid="delete-tag"
                          disabled={action.busy()}
                          onClick={() => remove(entry.tag)}
                        >
                          {t("common.delete")}
                        </button>
                      </span>
                    </>
                  }
                >
                  <form
                    class="inline-form"
                    onSubmit={(e) => {
                      e.preventDefault();
                      if (to().trim()) rename(entry.tag);
                    }}
                  >
                    <input
                      aria-label={mt("many.renameTo", { tag: entry.tag })}
                      value={to()}
                      onInput={(e) => setTo(e.currentTarget.value)}
                      data-testid="rename-tag-input"
                    />
                    <button
                      type="submit"
                      class="primary small"
                      disabled={action.busy()}
                      data-testid="rename-tag-save"
                    >
                      {mt("many.save")}
                    </button>
                    <button type="button" class="secondary small" onClick={() => setRenaming(null)}>
                      {t("common.cancel")}
                    </button>
                  </form>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </Modal>
  );
}
