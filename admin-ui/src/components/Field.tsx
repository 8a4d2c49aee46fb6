// A labelled form control with its validation message.
import { type JSX, Show, splitProps } from "solid-js";
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

export type Labelled = {
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
