// A key's spend against its limits as bars: the admin's key page (from its KeyGate) and the public
// usage page (from the stats API) show the same limits in the same order.
import { Index } from "solid-js";
import type { KeyLimits } from "../api/types.ts";
import { type MessageKey, t } from "../i18n/index.ts";
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

interface Bar {
  label: MessageKey;
  used: number;
  limit: number;
  format: (value: number) => string;
  show: boolean;
}

const count = (v: number) => String(v);
const bar = (label: MessageKey, used: number, limit: number, format: Bar["format"], show = true): Bar => ({
  label,
  used,
  limit,
  format,
  show,
});

export function LimitMeters(props: {
  limits: KeyLimits;
  used: LimitUse;
  /** Also say what is left (the key owner's view). */
  showLeft?: boolean;
  /** Leave out weekly, token and concurrency bars whose limit is not set. */
  onlySet?: boolean;
  dailyTestId?: string;
}) {
  const bars = (): Bar[] => {
    const l = props.limits;
    const u = props.used;
    const optional = (limit: number) => !props.onlySet || limit > 0;
    const windowed = l.rateLimitWindowMinutes > 0;
    return [
      bar("limits.dailyCost", u.dailyCost, l.dailyCostLimit, formatCost),
      bar("limits.totalCost", u.totalCost, l.totalCostLimit, formatCost),
      bar("limits.weeklyCost", u.weeklyCost, l.weeklyCostLimit, formatCost, optional(l.weeklyCostLimit)),
      bar("limits.tokens", u.tokens, l.tokenLimit, formatTokens, optional(l.tokenLimit)),
      bar("limits.concurrency", u.concurrency, l.concurrencyLimit, count, optional(l.concurrencyLimit)),
      bar("limits.windowRequests", u.windowRequests, l.rateLimitRequests, count, windowed),
      bar("limits.windowCost", u.windowCost, l.rateLimitCost, formatCost, windowed),
    ].filter((b) => b.show);
  };
  return (
    <div class="meters">
      <Index each={bars()}>
        {(item) => (
          <Meter
            testId={item().label === "limits.dailyCost" ? props.dailyTestId : undefined}
            label={t(item().label)}
            used={item().used}
            limit={item().limit}
            format={item().format}
            // Requests in flight have nothing "left".
            showLeft={props.showLeft && item().label !== "limits.concurrency"}
          />
        )}
      </Index>
    </div>
  );
}
