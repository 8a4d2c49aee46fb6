// The form controls beyond a text input (textarea, select, checkboxes), kept apart from Field.tsx
// so that the login page, which needs only text inputs, does not load them.
import { For, type JSX, Show } from "solid-js";
import { Field, type Labelled } from "./Field.tsx";

/** A labelled textarea. */
export function AreaField(
  props: Labelled & {
    name: string;
    value: string;
    onInput: (value: string) => void;
    rows?: string;
    placeholder?: string;
    maxLength?: number;
  },
) {
  return (
    <Field label={props.label} error={props.error} hint={props.hint} wide={props.wide}>
      <textarea
        name={props.name}
        rows={props.rows ?? "2"}
        placeholder={props.placeholder}
        maxLength={props.maxLength}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </Field>
  );
}

/** A labelled select; the options are its children, each value one of `V`. */
export function SelectField<V extends string>(
  props: Labelled & {
    name: string;
    value: V;
    onChange: (value: V) => void;
    disabled?: boolean;
    children: JSX.Element;
  },
) {
  return (
    <Field label={props.label} error={props.error} hint={props.hint} wide={props.wide}>
      <select
        name={props.name}
        value={props.value}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.currentTarget.value as V)}
      >
        {props.children}
      </select>
    </Field>
  );
}

/** A checkbox with its text beside it. */
export function CheckField(props: {
  label: JSX.Element;
  name?: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label class="check">
      <input
        type="checkbox"
        name={props.name}
        checked={props.checked}
        onChange={(e) => props.onChange(e.currentTarget.checked)}
      />
      {props.label}
    </label>
  );
}

/** A set of checkboxes choosing any of `options` (permissions, clients, events, members). */
export function CheckList<V extends string>(props: {
  label: string;
  hint?: string;
  wide?: boolean;
  options: readonly V[];
  selected: readonly V[];
  onChange: (selected: V[]) => void;
  /** The checkbox's name (what the tests and autofill see). */
  name: (option: V) => string;
  text: (option: V) => JSX.Element;
  /** Shown instead of the boxes when there are no options. */
  empty?: JSX.Element;
}) {
  const toggle = (option: V, on: boolean) =>
    props.onChange(
      on ? [...new Set([...props.selected, option])] : props.selected.filter((v) => v !== option),
    );
  return (
    <div classList={{ field: true, wide: Boolean(props.wide) }}>
      <span class="label">{props.label}</span>
      <Show when={props.options.length > 0} fallback={props.empty}>
        <div class="checks">
          <For each={props.options}>
            {(option) => (
              <CheckField
                name={props.name(option)}
                label={props.text(option)}
                checked={props.selected.includes(option)}
                onChange={(on) => toggle(option, on)}
              />
            )}
          </For>
        </div>
      </Show>
      <Show when={props.hint}>
        <span class="hint">{props.hint}</span>
      </Show>
    </div>
  );
}
