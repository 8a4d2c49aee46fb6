// The dashboard's recent-errors panel: the latest failed requests (status ≥ 400) as the usage
// flush recorded them: when, which key and account, model, status and what the client was told.
import { Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import { lang, t } from "../i18n/index.ts";
import { formatDateTime } from "../lib/format.ts";
import { createLoader } from "../lib/loader.ts";
import { Link } from "../router.tsx";
import { DataTable } from "./DataTable.tsx";
import { ErrorBox } from "./ErrorBox.tsx";

export function RecentErrors(props: { refreshMs?: number; reloadSignal: () => number }) {
  const errors = createLoader(props.reloadSignal, () => adminApi.usage.recentErrors(20), {
    refreshMs: props.refreshMs,
  });
  return (
    <section class="panel" data-testid="recent-errors">
      <h2>{t("errors.title")}</h2>
      <ErrorBox error={errors.error()} />
      <DataTable
        rows={errors.data()}
        empty={t("errors.none")}
        class="errors-table"
        rowTestId="error-row"
        columns={[
          { head: t("errors.time"), cellClass: "small", cell: (e) => formatDateTime(e.at, lang()) },
          {
            head: t("errors.key"),
            cell: (e) => <Link href={`/keys/${e.keyId}`}>{e.keyName ?? e.keyId}</Link>,
          },
          { head: t("errors.account"), cell: (e) => e.accountName ?? e.accountId ?? "—" },
          { head: t("errors.model"), cellClass: "mono small", cell: (e) => e.model },
          {
            head: t("common.status"),
            class: "num",
            cell: (e) => <span class="badge error">{e.status}</span>,
          },
          {
            head: t("errors.error"),
            cellClass: "small",
            cell: (e) => (
              <>
                <span class="mono">{e.errorType}</span>
                <Show when={e.message}>
                  <div class="muted break">{e.message}</div>
                </Show>
              </>
            ),
          },
        ]}
      />
    </section>
  );
}
