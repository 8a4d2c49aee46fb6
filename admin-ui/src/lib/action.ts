// Work started by a click (save, delete, enable, test…): one at a time, `busy` while it runs, the
// error kept as thrown (ErrorBox turns it into the API's message), and an optional step after each
// success (typically reloading the page's data).
import { type Accessor, createSignal } from "solid-js";

export interface Action {
  busy: Accessor<boolean>;
  error: Accessor<unknown>;
  setError: (error: unknown) => void;
  /** Resolves true when the work (and the step after it) succeeded. */
  run: (work: () => Promise<unknown>) => Promise<boolean>;
}

export function createAction(afterSuccess?: () => Promise<unknown> | undefined): Action {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>(null);
  const run = async (work: () => Promise<unknown>) => {
    setError(null);
    setBusy(true);
    try {
      await work();
      await afterSuccess?.();
      return true;
    } catch (thrown) {
      setError(() => thrown);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError: (value) => setError(() => value), run };
}
