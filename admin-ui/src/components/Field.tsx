// A labelled form control with its validation message.
import { For, type JSX, Show, splitProps } from "solid-js";
import { type MessageKey, t } from "../i18n/index.ts";

interface Props {
  label: string;
  error?: MessageKey | undefined;
  hint?: string;
  children: JSX.Element;
  wide?: boolean;
}

export function Field(props: Props) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the children, inside the label
    <label classList={{ field: true, wide: Boolean(props.wide), invalid: Boolean(props.error) }}>
      <span class="label">{props.label}</span>
      {props.children}
      <Show when={props.error}>{(key) => <span class="field-error">{t(key())}</span>}</Show>
      <Show when={!props.error && props.hint}>
        <span class="hint">{props.hint}</span>
      </Show>
    </label>
  );
}

/** An <input> bound to a string signal-like pair. */
export function TextInput(props: {
  value: string;
  onInput: (value: string) => void;
  type?: string;
  placeholder?: string;
  name?: string;
  autocomplete?: string;
  inputmode?: "numeric" | "decimal" | "text" | "url";
  min?: string;
  step?: string;
}) {
  return (
    <input
      type={props.type ?? "text"}
      name={props.name}
      value={props.value}
      placeholder={props.placeholder}
      autocomplete={props.autocomplete}
      inputmode={props.inputmode}
      min={props.min}
      step={props.step}
      onInput={(e) => props.onInput(e.currentTarget.value)}
    />
  );
}

type Labelled = {
  label: string;
  error?: MessageKey | undefined;
  hint?: string | undefined;
  wide?: boolean;
};

/** A labelled text input (the common case of Field + TextInput). */
export function TextField(props: Labelled & Parameters<typeof TextInput>[0]) {
  const [outer, input] = splitProps(props, ["label", "error", "hint", "wide"]);
  return (
    <Field label={outer.label} error={outer.error} hint={outer.hint} wide={outer.wide}>
      <TextInput {...input} />
    </Field>
  );
}

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
