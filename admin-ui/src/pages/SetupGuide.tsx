// The admin's setup guide for one key (/keys/:id/setup): the lines to hand the key's holder, with a
// placeholder for the secret, which the relay does not keep (it was shown once, at creation).
import { Show } from "solid-js";
import { adminApi } from "../api/admin.ts";
import { ErrorBox } from "../components/ErrorBox.tsx";
import { SetupGuide } from "../components/SetupGuide.tsx";
import { t } from "../i18n/index.ts";
import { pt } from "../i18n/portal.ts";
import { createLoader } from "../lib/loader.ts";
import { Link } from "../router.tsx";

export function KeySetupGuidePage(props: { id: string }) {
  const key = createLoader(
    () => props.id,
    (id) => adminApi.keys.get(id),
  );
  return (
    <div class="page">
      <p>
        <Link href={`/keys/${encodeURIComponent(props.id)}`}>← {key.data()?.name ?? t("nav.keys")}</Link>
      </p>
      <h1>{pt("guide.title")}</h1>
      <ErrorBox error={key.error()} />
      <Show when={key.data()}>{(k) => <SetupGuide secret={null} keyName={k().name} />}</Show>
    </div>
  );
}
