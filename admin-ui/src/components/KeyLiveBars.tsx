// A key's spend today and in total against its limits, from its KeyGate (/keys/{id}/live).
import { Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import type { RelayKey } from "../api/types.ts";
import { t } from "../i18n/index.ts";
import { formatCost, microToUsd } from "../lib/format.ts";
import { liveCapUses } from "../lib/keys.ts";
import { createLoader } from "../lib/loader.ts";
import { CapMeters } from "./LimitMeters.tsx";
import { Meter } from "./Meter.tsx";

export function KeyLiveBars(props: { keyRecord: RelayKey; tick: () => number }) {
  const live = createLoader(
    () => [props.keyRecord.id, props.tick()] as const,
    ([id]) => adminApi.keys.live(id),
  );
  return (
    <div class="live-bars">
      <Show when={live.data()} fallback={<span class="muted">{live.error() ? "—" : "…"}</span>}>
        {(state) => (
          <>
            <Meter
              testId="bar-daily"
              label={t("limits.today")}
              used={microToUsd(state().spend.dayCostMicroUsd)}
              limit={props.keyRecord.limits.dailyCostLimit}
              format={formatCost}
            />
            <Meter
              testId="bar-total"
              label={t("limits.total")}
              used={microToUsd(state().spend.totalCostMicroUsd)}
              limit={props.keyRecord.limits.totalCostLimit}
              format={formatCost}
            />
            <CapMeters caps={liveCapUses(state())} />
          </>
        )}
      </Show>
    </div>
  );
}
