// A key's spend against its limits as bars: the admin's key page (from its KeyGate) and the public
// usage page (from the stats API) show the same limits in the same order.
import { Index, Show } from "solid-js";
import type { KeyLimits } from "../api/types.ts";
import { type MessageKey, t } from "../i18n/index.ts";
import { formatCost, formatTokens } from "../lib/format.ts";
import type { CapUse } from "../lib/keys.ts";
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
  usageLabel: MessageKey;
  used: number;
  limit: number;
  format: (value: number) => string;
  show: boolean;
}

const count = (v: number) => String(v);
const bar = (
  label: MessageKey,
  usageLabel: MessageKey,
  used: number,
  limit: number,
  format: Bar["format"],
  show = true,
): Bar => ({
  label,
  usageLabel,
  used,
  limit,
  format,
  show,
});

export function LimitMeters(props: {
  limits: Omit<KeyLimits, "platformLimits" | "modelLimits">;
  used: LimitUse;
  /** Also say what is left (the key owner's view). */
  showLeft?: boolean;
  /** Leave out weekly, token and concurrency bars whose limit is not set. */
  onlySet?: boolean;
  dailyTestId?: string;
  /** Per-platform and per-model cost caps: a bar for each cap that is set. */
  caps?: CapUse[];
}) {
  const bars = (): Bar[] => {
    const l = props.limits;
    const u = props.used;
    const optional = (limit: number) => !props.onlySet || limit > 0;
    const windowed = l.rateLimitWindowMinutes > 0;
    return [
      bar("limits.dailyCost", "limits.used.dailyCost", u.dailyCost, l.dailyCostLimit, formatCost),
      bar("limits.totalCost", "limits.used.totalCost", u.totalCost, l.totalCostLimit, formatCost),
      bar(
        "limits.weeklyCost",
        "limits.used.weeklyCost",
        u.weeklyCost,
        l.weeklyCostLimit,
        formatCost,
        optional(l.weeklyCostLimit),
      ),
      bar(
        "limits.tokens",
        "limits.used.tokens",
        u.tokens,
        l.tokenLimit,
        formatTokens,
        optional(l.tokenLimit),
      ),
      bar(
        "limits.concurrency",
        "limits.used.concurrency",
        u.concurrency,
        l.concurrencyLimit,
        count,
        optional(l.concurrencyLimit),
      ),
      bar(
        "limits.windowRequests",
        "limits.used.windowRequests",
        u.windowRequests,
        l.rateLimitRequests,
        count,
        windowed,
      ),
      bar("limits.windowCost", "limits.used.windowCost", u.windowCost, l.rateLimitCost, formatCost, windowed),
    ].filter((b) => b.show);
  };
  return (
    <div class="meters">
      <Index each={bars()}>
        {(item) => (
          <Meter
            testId={item().label === "limits.dailyCost" ? props.dailyTestId : undefined}
            label={t(item().label)}
            usageLabel={t(item().usageLabel)}
            used={item().used}
            limit={item().limit}
            format={item().format}
            // Requests in flight have nothing "left".
            showLeft={props.showLeft && item().label !== "limits.concurrency"}
          />
        )}
      </Index>
      <CapMeters caps={props.caps ?? []} showLeft={props.showLeft} />
    </div>
  );
}

/** A bar for each daily and total cap of each platform and model that has one. */
export function CapMeters(props: { caps: CapUse[]; showLeft?: boolean }) {
  return (
    <Index each={props.caps}>
      {(cap) => (
        <>
          <Show when={cap().dailyLimit > 0}>
            <Meter
              testId={`cap-${cap().id}-daily`}
              label={t("limits.capToday", { name: cap().name })}
              used={cap().dailyUsed}
              limit={cap().dailyLimit}
              format={formatCost}
              showLeft={props.showLeft}
            />
          </Show>
          <Show when={cap().totalLimit > 0}>
            <Meter
              testId={`cap-${cap().id}-total`}
              label={t("limits.capTotal", { name: cap().name })}
              used={cap().totalUsed}
              limit={cap().totalLimit}
              format={formatCost}
              showLeft={props.showLeft}
            />
          </Show>
        </>
      )}
    </Index>
  );
}
