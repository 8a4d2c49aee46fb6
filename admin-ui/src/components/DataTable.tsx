// The pages' tables: nothing (or a loading line) until the rows arrive, a muted line when there are
// none, otherwise a table whose columns say their header, classes and cell, and the row's buttons
// last. As "cards" (the admin lists) each cell but the first and the buttons carries its header for
// the phone layout.
import { For, type JSX, Show } from "solid-js";
import { t } from "../i18n/index.ts";

export interface Column<T> {
  head: string;
  /** On the header and the cells (e.g. "num"). */
  class?: string;
  /** On the cells only (e.g. "small", "mono small"). */
  cellClass?: string;
  cellTestId?: string;
  cell: (row: T) => JSX.Element;
}

export function DataTable<T>(props: {
  /** undefined while loading. */
  rows: readonly T[] | undefined;
  columns: Column<T>[];
  empty: string;
  loading?: JSX.Element;
  testId?: string;
  /** Extra classes on the table. */
  class?: string;
  /** Plain rows instead of cards on a phone. */
  plain?: boolean;
  rowTestId?: string;
  rowAttrs?: (row: T) => Record<string, string>;
  /** The last column: the row's buttons. */
  actions?: (row: T) => JSX.Element;
}) {
  const classes = () =>
    [props.class, props.plain ? undefined : "cards"].filter(Boolean).join(" ") || undefined;
  const cellClass = (c: Column<T>) => [c.class, c.cellClass].filter(Boolean).join(" ") || undefined;
  const columns = (): Column<T>[] => {
    const actions = props.actions;
    if (!actions) return props.columns;
    const head = t("common.actions");
    return [
      ...props.columns,
      { head, class: "actions-col", cell: (row) => <div class="row-actions">{actions(row)}</div> },
    ];
  };
  return (
    <Show when={props.rows} fallback={props.loading}>
      {(rows) => (
        <Show when={rows().length > 0} fallback={<p class="muted">{props.empty}</p>}>
          <div class="table-wrap">
            <table class={classes()} data-testid={props.testId}>
              <thead>
                <tr>
                  <For each={columns()}>{(c) => <th class={c.class}>{c.head}</th>}</For>
                </tr>
              </thead>
              <tbody>
                <For each={rows()}>
                  {(row) => (
                    <tr data-testid={props.rowTestId} {...props.rowAttrs?.(row)}>
                      <For each={columns()}>
                        {(c, i) => (
                          <td
                            class={cellClass(c)}
                            data-label={
                              props.plain || i() === 0 || c.class === "actions-col" ? undefined : c.head
                            }
                            data-testid={c.cellTestId}
                          >
                            {c.cell(row)}
                          </td>
                        )}
                      </For>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Show>
      )}
    </Show>
  );
}

/** A small button in a table row. */
export function RowButton(props: {
  onClick: () => void;
  children: JSX.Element;
  danger?: boolean;
  disabled?: boolean;
  testId?: string;
}) {
  return (
    <button
      type="button"
      class={props.danger ? "small danger" : "small secondary"}
      disabled={props.disabled}
      data-testid={props.testId}
      onClick={() => props.onClick()}
    >
      {props.children}
    </button>
  );
}

/** "Disable" for an active record, "Enable" for a disabled one. */
export const toggleLabel = (isActive: boolean) => (isActive ? t("common.disable") : t("common.enable"));
