// A dialog over the page; Escape or the backdrop closes it.
import { type JSX, onCleanup, onMount, Show } from "solid-js";
import { t } from "../i18n/index.ts";

interface Props {
  title: string;
  onClose: () => void;
  children: JSX.Element;
  wide?: boolean;
  /** Only the buttons close it (a stray click must not lose what it shows). */
  sticky?: boolean;
}

export function Modal(props: Props) {
  const onKey = (event: KeyboardEvent) => {
    if (event.key === "Escape" && !props.sticky) props.onClose();
  };
  onMount(() => document.addEventListener("keydown", onKey));
  onCleanup(() => document.removeEventListener("keydown", onKey));
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click beside the dialog closes it; Escape does the same from the keyboard
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape is handled on the document
    <div class="backdrop" onClick={(e) => !props.sticky && e.target === e.currentTarget && props.onClose()}>
      <div
        class={props.wide ? "modal wide" : "modal"}
        role="dialog"
        aria-modal="true"
        aria-label={props.title}
      >
        <header class="modal-head">
          <h2>{props.title}</h2>
          <button type="button" class="icon" aria-label={t("common.close")} onClick={() => props.onClose()}>
            ×
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}

interface ConfirmProps {
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onClose: () => void;
}

export function ConfirmDialog(props: ConfirmProps) {
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <p>{props.message}</p>
      <Show when={props.error}>
        <p class="error-box" role="alert">
          {props.error}
        </p>
      </Show>
      <div class="actions">
        <button type="button" class="secondary" onClick={() => props.onClose()}>
          {t("common.cancel")}
        </button>
        <button
          type="button"
          class={props.danger ? "danger" : "primary"}
          disabled={props.busy}
          onClick={() => props.onConfirm()}
        >
          {props.confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
