// The user portal under /portal: a user signs in with the password the admin gave them and manages
// their own keys (within the admin's limits), sees each key's usage, the setup guide, and changes
// their password. Loaded only when a /portal page is opened.
import { ErrorBoundary, For, type JSX, Match, Show, Switch } from "solid-js";
import { siteName } from "../../branding.ts";
import { BrandMark, BrandNotice } from "../../components/BrandMark.tsx";
import { errorText } from "../../components/ErrorBox.tsx";
import { Switchers } from "../../components/Layout.tsx";
import { SetupGuide } from "../../components/SetupGuide.tsx";
import { t } from "../../i18n/index.ts";
import { type PortalKey, pt } from "../../i18n/portal.ts";
import { matchRoute } from "../../lib/route-match.ts";
import { Link, path } from "../../router.tsx";
import { PortalKeyGuide, PortalKeyUsage } from "./PortalKey.tsx";
import { PortalKeys } from "./PortalKeys.tsx";
import { PortalLogin } from "./PortalLogin.tsx";
import { PortalPassword } from "./PortalPassword.tsx";
import { portalLogout, portalSession } from "./session.ts";

const NAV: { href: string; label: PortalKey; match: (p: string) => boolean }[] = [
  { href: "/portal", label: "portal.keys", match: (p) => p === "/portal" || p.startsWith("/portal/keys") },
  { href: "/portal/setup", label: "portal.guide", match: (p) => p === "/portal/setup" },
  { href: "/portal/password", label: "portal.password", match: (p) => p === "/portal/password" },
];

function PortalLayout(props: { children: JSX.Element }) {
  return (
    <div class="shell">
      <header class="topbar">
        <Link href="/portal" class="brand">
          <BrandMark size={22} label={`${siteName()} · ${pt("portal.title")}`} />
        </Link>
        <nav class="nav">
          <For each={NAV}>
            {(item) => (
              <Link href={item.href} classList={{ active: item.match(path()) }}>
                {pt(item.label)}
              </Link>
            )}
          </For>
        </nav>
        <div class="topbar-end">
          <Switchers />
          <span class="user" title={portalSession()?.username} data-testid="portal-user">
            {portalSession()?.username}
          </span>
          <button
            type="button"
            class="secondary small"
            data-testid="portal-logout"
            onClick={() => portalLogout()}
          >
            {t("nav.logout")}
          </button>
        </div>
      </header>
      <main class="content">
        <BrandNotice />
        {props.children}
      </main>
    </div>
  );
}

function Crashed(error: unknown, reset: () => void): JSX.Element {
  return (
    <div class="page">
      <p class="error-box" role="alert">
        {errorText(error)}
      </p>
      <button type="button" class="secondary" onClick={reset}>
        {t("common.retry")}
      </button>
    </div>
  );
}

function PortalRoutes() {
  const usageId = () => matchRoute("/portal/keys/:id", path())?.id;
  const guideId = () => matchRoute("/portal/keys/:id/setup", path())?.id;
  return (
    <PortalLayout>
      <ErrorBoundary fallback={Crashed}>
        <Switch fallback={<PortalKeys />}>
          <Match when={usageId()}>{(id) => <PortalKeyUsage id={id()} />}</Match>
          <Match when={guideId()}>{(id) => <PortalKeyGuide id={id()} />}</Match>
          <Match when={path() === "/portal/setup"}>
            <div class="page">
              <h1>{pt("guide.title")}</h1>
              <SetupGuide secret={null} />
            </div>
          </Match>
          <Match when={path() === "/portal/password"}>
            <PortalPassword />
          </Match>
        </Switch>
      </ErrorBoundary>
    </PortalLayout>
  );
}

export function PortalApp() {
  return (
    <Show when={portalSession()} fallback={<PortalLogin />}>
      <PortalRoutes />
    </Show>
  );
}
