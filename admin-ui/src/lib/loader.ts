// Data for a page: loads when its source changes, keeps the last good value while reloading,
// and exposes the error instead of throwing it into the render.
import { type Accessor, createEffect, createSignal, on, onCleanup } from "solid-js";

export interface Loader<T> {
  data: Accessor<T | undefined>;
  error: Accessor<unknown>;
  loading: Accessor<boolean>;
  reload: () => Promise<void>;
  /** Replace the value locally (after an edit the API answered with). */
  set: (value: T) => void;
}

export function createLoader<S, T>(
  source: Accessor<S>,
  fetcher: (source: S) => Promise<T>,
  options: { refreshMs?: number } = {},
): Loader<T> {
  const [data, setData] = createSignal<T | undefined>();
  const [error, setError] = createSignal<unknown>(null);
  const [loading, setLoading] = createSignal(false);
  let sequence = 0;

  const load = async (value: S) => {
    const mine = ++sequence;
    setLoading(true);
    try {
      const result = await fetcher(value);
      if (mine === sequence) {
        setData(() => result);
        setError(null);
      }
    } catch (thrown) {
      if (mine === sequence) setError(thrown);
    } finally {
      if (mine === sequence) setLoading(false);
    }
  };

  createEffect(on(source, (value) => void load(value)));
  if (options.refreshMs) {
    const timer = setInterval(() => {
      if (!document.hidden) void load(source());
    }, options.refreshMs);
    onCleanup(() => clearInterval(timer));
  }
  return {
    data,
    error,
    loading,
    reload: () => load(source()),
    set: (value) => setData(() => value),
  };
}

export const once = () => true;
