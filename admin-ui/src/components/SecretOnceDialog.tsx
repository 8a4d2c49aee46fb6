// A secret the API returns once (a new key, a user's generated password): shown with a copy
// button in a dialog only its button closes.
import type { JSX } from "solid-js";
import { t } from "../i18n/index.ts";
import { CopyButton } from "./CopyButton.tsx";
import { Modal } from "./Modal.tsx";

export function SecretOnceDialog(props: {
  title: string;
  note: string;
  secret: string;
  secretTestId: string;
  doneTestId: string;
  onClose: () => void;
  /** Below the secret (a new key's setup lines). */
  children?: JSX.Element;
  wide?: boolean;
}) {
  return (
    <Modal title={props.title} onClose={props.onClose} sticky wide={props.wide}>
      <p class="note">{props.note}</p>
      <div class="secret">
        <code data-testid={props.secretTestId}>{props.secret}</code>
        <CopyButton text={props.secret} />
      </div>
      {props.children}
      <div class="actions">
        <button type="button" class="primary" onClick={() => props.onClose()} data-testid={props.doneTestId}>
          {t("keys.secretSaved")}
        </button>
      </div>
    </Modal>
  );
}
