// A dialog over the page; Escape or the backdrop closes it.
import { createSignal, type JSX, onCleanup, onMount, Show } from "solid-js";
import { t } from "../i18n/index.ts";
import type { Action } from "../lib/action.ts";
import { ErrorBox } from "./ErrorBox.tsx";

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
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
}

export function ConfirmDialog(props: ConfirmProps) {
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <p>{props.message}</p>
      <ErrorBox error={props.error} />
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

/**
 * "Really delete X?": `ask(item)` opens the dialog; confirming runs `work` through the page's
 * action (busy, error shown in the dialog) and closes it on success. `pageError` is the action's
 * error when the dialog is not showing it already.
 */
export function createConfirm<T>(options: {
  action: Action;
  title: () => string;
  message: (item: T) => string;
  confirmLabel: () => string;
  work: (item: T) => Promise<unknown>;
}) {
  const [item, setItem] = createSignal<T | null>(null);
  const close = () => {
    setItem(null);
    options.action.setError(null);
  };
  const dialog = () => (
    <Show when={item()}>
      {(current) => (
        <ConfirmDialog
          title={options.title()}
          message={options.message(current())}
          confirmLabel={options.confirmLabel()}
          danger
          busy={options.action.busy()}
          error={options.action.error()}
          onConfirm={() =>
            void options.action.run(async () => {
              await options.work(current());
              setItem(null);
            })
          }
          onClose={close}
        />
      )}
    </Show>
  );
  return {
    ask: (next: T) => setItem(() => next),
    dialog,
    pageError: () => (item() ? null : options.action.error()),
  };
}
