// A form's life: checked before anything is sent (after the first attempt its marks follow the
// typing, so a fixed field loses its mark at once), sent once at a time, the API's refusal kept for
// display, and "saved" after a success.
import { type Accessor, createEffect, createSignal } from "solid-js";
import type { MessageKey } from "../i18n/index.ts";
import { type Action, createAction } from "./action.ts";

export type FieldErrors<F extends string> = Partial<Record<F, MessageKey>>;

/** What the form's footer shows. */
export interface FormStatus {
  invalid: Accessor<boolean>;
  busy: Accessor<boolean>;
  apiError: Accessor<unknown>;
  saved: Accessor<boolean>;
}

export interface FormState<F extends string> extends FormStatus {
  errors: Accessor<FieldErrors<F>>;
  submit: (event: SubmitEvent) => Promise<void>;
}

export function createForm<F extends string>(options: {
  /** Reads the form's signals; returns the marked fields. */
  check: () => FieldErrors<F>;
  send: () => Promise<unknown>;
  /** To share busy/error with other work on the same page. */
  action?: Action;
}): FormState<F> {
  const action = options.action ?? createAction();
  const [errors, setErrors] = createSignal<FieldErrors<F>>({});
  const [tried, setTried] = createSignal(false);
  const [saved, setSaved] = createSignal(false);
  createEffect(() => {
    if (tried()) setErrors(() => options.check());
  });
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setSaved(false);
    setTried(true);
    const found = options.check();
    setErrors(() => found);
    if (Object.keys(found).length > 0) return;
    setSaved(await action.run(options.send));
  };
  return {
    errors,
    invalid: () => Object.keys(errors()).length > 0,
    busy: action.busy,
    apiError: action.error,
    saved,
    submit,
  };
}

type TextKeys<T> = { [K in keyof T]: T[K] extends string ? K : never }[keyof T] & string;

/**
 * Binds a form object's text fields to inputs: `{...bind("name")}` gives the input its name, value,
 * onInput and the field's error mark (getters, so the props stay reactive).
 */
export function binder<T extends object>(
  form: Accessor<T>,
  setForm: (next: T) => void,
  errors: Accessor<Partial<Record<string, MessageKey>>> = () => ({}),
) {
  return <K extends TextKeys<T>>(name: K) => ({
    name,
    get value() {
      return form()[name] as string;
    },
    get error() {
      return errors()[name];
    },
    onInput: (value: string) => setForm({ ...form(), [name]: value }),
  });
}
