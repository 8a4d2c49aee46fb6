// The lines each client needs for this relay, with a copy button each: in the user portal (the new
// key filled in right after it is made, a placeholder elsewhere) and on the admin's key page.
import { createMemo, createSignal, For, Show } from "solid-js";
import { pt } from "../i18n/portal.ts";
import { apiBase } from "../lib/api-base.ts";
import {
  GUIDE_CLIENTS,
  type GuideClient,
  KEY_PLACEHOLDER,
  relayRoot,
  setupGuides,
} from "../lib/setup-guide.ts";
import { CopyButton } from "./CopyButton.tsx";
import "./setup-guide.css";

export function SetupGuide(props: {
  /** The key's secret when it is known (right after creation), else null: the placeholder shows. */
  secret: string | null;
  keyName?: string;
}) {
  const [client, setClient] = createSignal<GuideClient>("claude-code");
  const root = relayRoot(apiBase(), globalThis.location.origin);
  const guides = createMemo(() => setupGuides(root, props.secret));
  const blocks = () => guides().find((g) => g.client === client())?.blocks ?? [];
  return (
    <section class="panel setup-guide" data-testid="setup-guide">
      <p>
        {pt("guide.intro", { url: root })}
        <Show when={props.keyName}>{(name) => <> {pt("guide.forKey", { name: name() })}</>}</Show>
      </p>
      <Show
        when={props.secret}
        fallback={
          <p class="note" data-testid="guide-placeholder-note">
            {pt("guide.placeholder", { placeholder: KEY_PLACEHOLDER })}
          </p>
        }
      >
        <p class="note">{pt("guide.filledIn")}</p>
      </Show>
      <div class="tabs" role="tablist">
        <For each={GUIDE_CLIENTS}>
          {(c) => (
            <button
              type="button"
              role="tab"
              aria-selected={client() === c}
              classList={{ on: client() === c }}
              data-testid={`guide-tab-${c}`}
              onClick={() => setClient(c)}
            >
              {pt(`guide.client.${c}`)}
            </button>
          )}
        </For>
      </div>
      <For each={blocks()}>
        {(block) => (
          <div class="guide-block" data-testid="guide-block" data-kind={block.kind}>
            <p class="muted small">{pt(`guide.block.${block.kind}`, { file: block.file ?? "" })}</p>
            <div class="guide-code">
              <pre>
                <code data-testid="guide-code">{block.text}</code>
              </pre>
              <CopyButton text={block.text} />
            </div>
          </div>
        )}
      </For>
    </section>
  );
}
