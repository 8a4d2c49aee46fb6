// The dashboard's recent-errors panel: the latest failed requests (status ≥ 400) as the usage
// flush recorded them: when, which key and account, model, status and what the client was told.
import { For, Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import { lang, t } from "../i18n/index.ts";
import { formatDateTime } from "../lib/format.ts";
import { createLoader } from "../lib/loader.ts";
import { Link } from "../router.tsx";
import { ErrorBox } from "./ErrorBox.tsx";

export function RecentErrors(props: { refreshMs?: number; reloadSignal: () => number }) {
  const errors = createLoader(props.reloadSignal, () => adminApi.usage.recentErrors(20), {
    refreshMs: props.refreshMs,
  });
  return (
    <section class="panel" data-testid="recent-errors">
      <h2>{t("errors.title")}</h2>
      <ErrorBox error={errors.error()} />
      <Show when={errors.data()}>
        {(list) => (
          <Show when={list().length > 0} fallback={<p class="muted">{t("errors.none")}</p>}>
            <div class="table-wrap">
              <table class="cards errors-table">
                <thead>
                  <tr>
                    <th>{t("errors.time")}</th>
                    <th>{t("errors.key")}</th>
                    <th>{t("errors.account")}</th>
                    <th>{t("errors.model")}</th>
                    <th class="num">{t("common.status")}</th>
                    <th>{t("errors.error")}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(e) => (
                      <tr data-testid="error-row">
                        <td class="small">{formatDateTime(e.at, lang())}</td>
                        <td data-label={t("errors.key")}>
                          <Link href={`/keys/${e.keyId}`}>{e.keyName ?? e.keyId}</Link>
                        </td>
                        <td data-label={t("errors.account")}>{e.accountName ?? e.accountId ?? "—"}</td>
                        <td data-label={t("errors.model")} class="mono small">
                          {e.model}
                        </td>
                        <td class="num" data-label={t("common.status")}>
                          <span class="badge error">{e.status}</span>
                        </td>
                        <td data-label={t("errors.error")} class="small">
                          <span class="mono">{e.errorType}</span>
                          <Show when={e.message}>
                            <div class="muted break">{e.message}</div>
                          </Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Show>
    </section>
  );
}
