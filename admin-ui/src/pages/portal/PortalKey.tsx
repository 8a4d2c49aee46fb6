// One of the user's keys: its usage and limits with the public stats page's report (same cards,
// same bars, from the portal's own stats route, so no secret is needed), and its setup guide.
import { createSignal, Show } from "solid-js";
import type { ModelPeriod } from "../../api/types.ts";
import { ErrorBox } from "../../components/ErrorBox.tsx";
import { PageHead } from "../../components/PageHead.tsx";
import { SetupGuide } from "../../components/SetupGuide.tsx";
import { pt } from "../../i18n/portal.ts";
import { createLoader } from "../../lib/loader.ts";
import { Link, navigate } from "../../router.tsx";
import { Report } from "../PublicStats.tsx";
import { portalApi } from "./api.ts";

function BackLink() {
  return (
    <p>
      <Link href="/portal">{pt("portal.backToKeys")}</Link>
    </p>
  );
}

export function PortalKeyUsage(props: { id: string }) {
  const [tick, setTick] = createSignal(0);
  const [period, setPeriod] = createSignal<ModelPeriod>("monthly");
  const stats = createLoader(
    () => [props.id, tick()] as const,
    ([id]) => portalApi.stats(id),
  );
  const models = createLoader(
    () => [props.id, period(), tick()] as const,
    ([id, p]) => portalApi.modelStats(id, p),
  );
  return (
    <div class="page" data-testid="portal-key-usage-page">
      <BackLink />
      <PageHead title={pt("portal.usage")} onRefresh={() => setTick(tick() + 1)}>
        <button
          type="button"
          class="secondary"
          data-testid="portal-open-guide"
          onClick={() => navigate(`/portal/keys/${encodeURIComponent(props.id)}/setup`)}
        >
          {pt("portal.guide")}
        </button>
      </PageHead>
      <ErrorBox error={stats.error() ?? models.error()} />
      <Show when={stats.data()}>
        {(s) => (
          <Report
            stats={s()}
            models={models.data() ?? []}
            period={period()}
            onPeriod={setPeriod}
            onRedeem={async (code) => {
              await portalApi.redeemCard(props.id, code);
              setTick(tick() + 1);
            }}
          />
        )}
      </Show>
    </div>
  );
}

export function PortalKeyGuide(props: { id: string }) {
  const key = createLoader(
    () => props.id,
    (id) => portalApi.key(id),
  );
  return (
    <div class="page">
      <BackLink />
      <h1>{pt("guide.title")}</h1>
      <ErrorBox error={key.error()} />
      <Show when={key.data()}>{(k) => <SetupGuide secret={null} keyName={k().name} />}</Show>
    </div>
  );
}
