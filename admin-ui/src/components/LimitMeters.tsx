// A key's spend against its limits as bars: the admin's key page (from its KeyGate) and the public
// usage page (from the stats API) show the same limits in the same order.
import { Show } from "solid-js";
import type { KeyLimits } from "../api/types.ts";
import { t } from "../i18n/index.ts";
import { formatCost, formatTokens } from "../lib/format.ts";
import { Meter } from "./Meter.tsx";

/** What has been used, in USD, tokens and requests. */
export interface LimitUse {
  dailyCost: number;
  totalCost: number;
  weeklyCost: number;
  tokens: number;
  concurrency: number;
  windowRequests: number;
  windowCost: number;
}

const count = (v: number) => String(v);

export function LimitMeters(props: {
  limits: KeyLimits;
  used: LimitUse;
  /** Also say what is left (the key owner's view). */
  showLeft?: boolean;
  /** Leave out weekly, token and concurrency bars whose limit is not set. */
  onlySet?: boolean;
  dailyTestId?: string;
}) {
  const l = () => props.limits;
  const shown = (limit: number) => !props.onlySet || limit > 0;
  return (
    <div class="meters">
      <Meter
        testId={props.dailyTestId}
        label={t("limits.dailyCost")}
        used={props.used.dailyCost}
        limit={l().dailyCostLimit}
        format={formatCost}
        showLeft={props.showLeft}
      />
      <Meter
        label={t("limits.totalCost")}
        used={props.used.totalCost}
        limit={l().totalCostLimit}
        format={formatCost}
        showLeft={props.showLeft}
      />
      <Show when={shown(l().weeklyCostLimit)}>
        <Meter
          label={t("limits.weeklyCost")}
          used={props.used.weeklyCost}
          limit={l().weeklyCostLimit}
          format={formatCost}
          showLeft={props.showLeft}
        />
      </Show>
      <Show when={shown(l().tokenLimit)}>
        <Meter
          label={t("limits.tokens")}
          used={props.used.tokens}
          limit={l().tokenLimit}
          format={formatTokens}
          showLeft={props.showLeft}
        />
      </Show>
      <Show when={shown(l().concurrencyLimit)}>
        <Meter
          label={t("limits.concurrency")}
          used={props.used.concurrency}
          limit={l().concurrencyLimit}
          format={count}
        />
      </Show>
      <Show when={l().rateLimitWindowMinutes > 0}>
        <Meter
          label={t("limits.windowRequests")}
          used={props.used.windowRequests}
          limit={l().rateLimitRequests}
          format={count}
          showLeft={props.showLeft}
        />
        <Meter
          label={t("limits.windowCost")}
          used={props.used.windowCost}
          limit={l().rateLimitCost}
          format={formatCost}
          showLeft={props.showLeft}
        />
      </Show>
    </div>
  );
}
