// The parts every form ends with (the "fix the marked fields" line, the API's refusal, the buttons),
// and the dialog that holds a whole form.
import { type JSX, Show } from "solid-js";
import { t } from "../i18n/index.ts";
import type { FormStatus } from "../lib/form.ts";
import { ErrorBox } from "./ErrorBox.tsx";
import { Modal } from "./Modal.tsx";

export function FormActions(props: {
  form: FormStatus;
  submitLabel: string;
  submitTestId?: string;
  /** A dialog's Cancel; a form on a page has none and says "Saved" instead. */
  onCancel?: () => void;
}) {
  return (
    <>
      <Show when={props.form.invalid()}>
        <p class="field-error" role="alert">
          {t("validate.fixFields")}
        </p>
      </Show>
      <ErrorBox error={props.form.apiError()} />
      <div class="actions">
        <Show when={props.form.saved()}>
          <span class="ok">{t("common.saved")}</span>
        </Show>
        <Show when={props.onCancel}>
          {(cancel) => (
            <button type="button" class="secondary" onClick={() => cancel()()}>
              {t("common.cancel")}
            </button>
          )}
        </Show>
        <button type="submit" class="primary" disabled={props.form.busy()} data-testid={props.submitTestId}>
          {props.submitLabel}
        </button>
      </div>
    </>
  );
}

export function ModalForm(props: {
  title: string;
  onClose: () => void;
  wide?: boolean;
  testId?: string;
  form: FormStatus & { submit: (event: SubmitEvent) => void };
  submitLabel: string;
  submitTestId?: string;
  children: JSX.Element;
}) {
  return (
    <Modal title={props.title} onClose={props.onClose} wide={props.wide}>
      <form class="form" onSubmit={(e) => props.form.submit(e)} noValidate data-testid={props.testId}>
        {props.children}
        <FormActions
          form={props.form}
          submitLabel={props.submitLabel}
          submitTestId={props.submitTestId}
          onCancel={props.onClose}
        />
      </form>
    </Modal>
  );
}
