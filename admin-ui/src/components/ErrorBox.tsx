// The API's own error message (or why the relay could not be reached).
import { Show } from "solid-js";
import { t } from "../i18n/index.ts";
import { ApiError } from "../lib/http.ts";

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.type === "network") return t("error.network", { url: error.message });
    return error.retryAfter
      ? `${error.message} ${t("error.retryAfter", { seconds: error.retryAfter })}`
      : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

export function ErrorBox(props: { error: unknown }) {
  return (
    <Show when={props.error}>
      <p class="error-box" role="alert" data-testid="error">
        {errorText(props.error)}
      </p>
    </Show>
  );
}
