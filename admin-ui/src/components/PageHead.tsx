import { type JSX, Show } from "solid-js";
import { t } from "../i18n/index.ts";

/** A page's title with its buttons: Refresh first (when the page reloads), then the page's own. */
export function PageHead(props: { title: JSX.Element; onRefresh?: () => void; children?: JSX.Element }) {
  return (
    <div class="page-head">
      <h1>{props.title}</h1>
      <div class="row">
        <Show when={props.onRefresh}>
          {(refresh) => (
            <button type="button" class="secondary" data-testid="refresh" onClick={() => refresh()()}>
              {t("common.refresh")}
            </button>
          )}
        </Show>
        {props.children}
      </div>
    </div>
  );
}
