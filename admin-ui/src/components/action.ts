// A page's one-click actions (enable, delete, reset…): one at a time, the error shown as text,
// and the page's data reloaded after each success.
import { type Accessor, createSignal } from "solid-js";
import { errorText } from "./ErrorBox.tsx";

export interface Action {
  busy: Accessor<boolean>;
  error: Accessor<string | null>;
  setError: (message: string | null) => void;
  run: (work: () => Promise<unknown>) => Promise<boolean>;
}

export function createAction(afterSuccess?: () => Promise<unknown> | undefined): Action {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const run = async (work: () => Promise<unknown>) => {
    setError(null);
    setBusy(true);
    try {
      await work();
      await afterSuccess?.();
      return true;
    } catch (thrown) {
      setError(errorText(thrown));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
