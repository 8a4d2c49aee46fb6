// Copies a text; falls back to selecting it where the Clipboard API is not allowed.
import { createSignal } from "solid-js";
import { t } from "../i18n/index.ts";

export function CopyButton(props: { text: string; label?: string }) {
  const [copied, setCopied] = createSignal(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
    } catch {
      const area = document.createElement("textarea");
      area.value = props.text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return (
    <button type="button" class="secondary" onClick={copy} data-testid="copy">
      {copied() ? t("common.copied") : (props.label ?? t("common.copy"))}
    </button>
  );
}
