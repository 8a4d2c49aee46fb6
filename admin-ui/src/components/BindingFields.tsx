// The key form's "dedicated account" section: per platform, the shared pool, one account, or an
// account group (`group:<id>`), as the original's key form offers them.
import { For, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import { GROUP_PREFIX } from "../api/ops-types.ts";
import { PLATFORMS, type Platform } from "../api/types.ts";
import { t } from "../i18n/index.ts";
import { PLATFORM_LABEL } from "../lib/labels.ts";
import { createLoader, once } from "../lib/loader.ts";
import { ErrorBox } from "./ErrorBox.tsx";

/** What to send: every platform named, "" for the pool (unbinds one that was bound). */
export function bindingBody(values: Record<string, string>, editing: boolean): Record<string, string> {
  const body: Record<string, string> = {};
  for (const p of PLATFORMS) if (values[p] || editing) body[p] = values[p] ?? "";
  return body;
}

export function BindingFields(props: {
  values: Record<string, string>;
  onChange: (platform: Platform, value: string) => void;
}) {
  const choices = createLoader(once, async () => {
    const [accounts, groups] = await Promise.all([adminApi.accounts.list(), adminApi.groups.list()]);
    return { accounts, groups };
  });
  return (
    <fieldset>
      <legend>{t("keyForm.binding")}</legend>
      <ErrorBox error={choices.error()} />
      <div class="form-grid">
        <For each={PLATFORMS}>
          {(p) => (
            <label class="field">
              <span class="label">{PLATFORM_LABEL[p]}</span>
              <select
                name={`bind-${p}`}
                value={props.values[p] ?? ""}
                onChange={(e) => props.onChange(p, e.currentTarget.value)}
              >
                <option value="">{t("keyForm.sharedPool")}</option>
                <Show when={choices.data()}>
                  {(c) => (
                    <>
                      <For each={c().groups.filter((g) => g.platform === p)}>
                        {(g) => (
                          <option value={`${GROUP_PREFIX}${g.id}`}>
                            {t("keyForm.groupOption", { name: g.name })}
                          </option>
                        )}
                      </For>
                      <For each={c().accounts.filter((a) => a.platform === p)}>
                        {(a) => <option value={a.id}>{a.name}</option>}
                      </For>
                    </>
                  )}
                </Show>
              </select>
            </label>
          )}
        </For>
      </div>
      <span class="hint">{t("keyForm.bindingHint")}</span>
    </fieldset>
  );
}
