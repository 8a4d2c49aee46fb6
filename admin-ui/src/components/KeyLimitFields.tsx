// The numeric key limits as grouped form fields; used by the key form and the user form (a user's
// default key limits).
import { For } from "solid-js";
import { type MessageKey, t } from "../i18n/index.ts";
import type { NumberLimit } from "../lib/keys.ts";
import { TextField } from "./Field.tsx";

const LIMIT_GROUPS: {
  title: MessageKey;
  fields: { field: NumberLimit; label: MessageKey; hint?: MessageKey; step?: string }[];
}[] = [
  {
    title: "keyForm.costLimits",
    fields: [
      { field: "dailyCostLimit", label: "limits.dailyCost", hint: "keyForm.usdHint", step: "0.01" },
      { field: "totalCostLimit", label: "limits.totalCost", hint: "keyForm.usdHint", step: "0.01" },
      { field: "weeklyCostLimit", label: "limits.weeklyCost", hint: "keyForm.weeklyHint", step: "0.01" },
      { field: "weeklyResetDay", label: "limits.weeklyResetDay", hint: "keyForm.resetDayHint" },
      { field: "weeklyResetHour", label: "limits.weeklyResetHour", hint: "keyForm.resetHourHint" },
    ],
  },
  {
    title: "keyForm.rateLimits",
    fields: [
      { field: "rateLimitWindowMinutes", label: "limits.window", hint: "keyForm.windowHint" },
      { field: "rateLimitRequests", label: "limits.windowRequests", hint: "keyForm.zeroHint" },
      { field: "rateLimitCost", label: "limits.windowCost", hint: "keyForm.usdHint", step: "0.01" },
    ],
  },
  {
    title: "keyForm.otherLimits",
    fields: [
      { field: "concurrencyLimit", label: "limits.concurrency", hint: "keyForm.zeroHint" },
      { field: "concurrencyQueueSeconds", label: "limits.queueSeconds", hint: "keyForm.queueHint" },
      { field: "tokenLimit", label: "limits.tokens", hint: "keyForm.zeroHint" },
    ],
  },
];

export function KeyLimitFields(props: {
  values: Record<NumberLimit, string>;
  errors: Partial<Record<string, MessageKey>>;
  onInput: (field: NumberLimit, value: string) => void;
}) {
  return (
    <For each={LIMIT_GROUPS}>
      {(group) => (
        <fieldset>
          <legend>{t(group.title)}</legend>
          <div class="form-grid">
            <For each={group.fields}>
              {(item) => (
                <TextField
                  label={t(item.label)}
                  error={props.errors[item.field]}
                  hint={item.hint ? t(item.hint) : undefined}
                  name={item.field}
                  inputmode={item.step ? "decimal" : "numeric"}
                  value={props.values[item.field]}
                  placeholder="0"
                  onInput={(v) => props.onInput(item.field, v)}
                />
              )}
            </For>
          </div>
        </fieldset>
      )}
    </For>
  );
}
