// Models served without a price (their cost counted as 0), so the operator can price them: each
// row's button starts an override for the model in the editor below.
import { adminApi } from "../api/admin.ts";
import type { UnpricedModel } from "../api/types.ts";
import { lang, t } from "../i18n/index.ts";
import { formatDateTime, formatNumber } from "../lib/format.ts";
import { createLoader, type Loader, once } from "../lib/loader.ts";
import { DataTable } from "./DataTable.tsx";
import { ErrorBox } from "./ErrorBox.tsx";

export function createUnpricedLoader(): Loader<UnpricedModel[]> {
  return createLoader(once, () => adminApi.pricing.unpriced());
}

export function UnpricedModels(props: { loader: Loader<UnpricedModel[]>; onPrice: (model: string) => void }) {
  return (
    <section class="panel" data-testid="unpriced-models">
      <h2>{t("pricing.unpriced")}</h2>
      <p class="muted small">{t("pricing.unpricedHint")}</p>
      <ErrorBox error={props.loader.error()} />
      <DataTable
        rows={props.loader.data()}
        empty={t("pricing.unpricedNone")}
        rowTestId="unpriced-row"
        columns={[
          { head: t("pricing.model"), cellClass: "mono small", cell: (m) => m.model },
          { head: t("pricing.requests"), class: "num", cell: (m) => formatNumber(m.requests, lang()) },
          {
            head: t("pricing.lastSeen"),
            cellClass: "small",
            cell: (m) => formatDateTime(m.lastSeenAt, lang()),
          },
        ]}
        actions={(m) => (
          <button type="button" class="secondary small" onClick={() => props.onPrice(m.model)}>
            {t("pricing.addPrice")}
          </button>
        )}
      />
    </section>
  );
}
