import { For } from "solid-js";

/** A row of buttons choosing one of a few values (granularity, split, OAuth mode). */
export function Segmented<V extends string>(props: {
  options: readonly { value: V; label: string; testId?: string }[];
  value: V;
  onChange: (value: V) => void;
  label?: string;
}) {
  return (
    <fieldset class="segmented" aria-label={props.label}>
      <For each={props.options}>
        {(option) => (
          <button
            type="button"
            classList={{ on: props.value === option.value }}
            onClick={() => props.onChange(option.value)}
            data-testid={option.testId}
          >
            {option.label}
          </button>
        )}
      </For>
    </fieldset>
  );
}
