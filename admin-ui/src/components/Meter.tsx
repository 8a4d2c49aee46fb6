// Used against a limit: a bar that turns amber past 75 % and red past 95 %. No limit: the value
// under a label that says it is usage, and "no limit" beside it.
import { Show } from "solid-js";
import { t } from "../i18n/index.ts";
import { percentOf } from "../lib/format.ts";

interface Props {
  label: string;
  /** The label when no limit is set (what the value is: usage, not a limit). */
  usageLabel?: string;
  used: number;
  limit: number;
  format: (value: number) => string;
  testId?: string;
  /** Also say how much is left. */
  showLeft?: boolean;
}

export function Meter(props: Props) {
  const pct = () => percentOf(props.used, props.limit);
  const level = () => (pct() >= 95 ? "high" : pct() >= 75 ? "mid" : "low");
  return (
    <div class="meter" data-testid={props.testId}>
      <div class="meter-text">
        <span>{props.limit > 0 ? props.label : (props.usageLabel ?? props.label)}</span>
        <span class="num">
          {props.format(props.used)}
          <Show when={props.limit > 0} fallback={<span class="muted"> · {t("limits.noLimit")}</span>}>
            {" "}
            / {props.format(props.limit)}
          </Show>
          <Show when={props.showLeft && props.limit > 0}>
            {" "}
            <span class="left">
              ({t("limits.left", { value: props.format(Math.max(0, props.limit - props.used)) })})
            </span>
          </Show>
        </span>
      </div>
      <Show when={props.limit > 0}>
        <div
          class={`meter-bar ${level()}`}
          role="progressbar"
          aria-valuenow={Math.round(pct())}
          aria-valuemin={0}
          aria-valuemax={100}
        >
          <div style={{ width: `${pct()}%` }} />
        </div>
      </Show>
    </div>
  );
}
