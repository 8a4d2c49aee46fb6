// Routes: /stats is public; /portal/… is the user portal (its own session); everything else needs
// the admin session (else the login page).
// Pages load on first visit (the login page needs neither the charts nor the forms).
import { ErrorBoundary, type JSX, lazy, Match, Show, Suspense, Switch } from "solid-js";
import { errorText } from "./components/ErrorBox.tsx";
import { Layout } from "./components/Layout.tsx";
import { t } from "./i18n/index.ts";
import { matchRoute } from "./lib/route-match.ts";
import { LoginPage } from "./pages/Login.tsx";
import { Link, path } from "./router.tsx";
import { session } from "./session.ts";

const DashboardPage = lazy(() => import("./pages/Dashboard.tsx").then((m) => ({ default: m.DashboardPage })));
const KeysPage = lazy(() => import("./pages/Keys.tsx").then((m) => ({ default: m.KeysPage })));
const KeyDetailPage = lazy(() => import("./pages/KeyDetail.tsx").then((m) => ({ default: m.KeyDetailPage })));
const AccountsPage = lazy(() => import("./pages/Accounts.tsx").then((m) => ({ default: m.AccountsPage })));
const SettingsPage = lazy(() => import("./pages/Settings.tsx").then((m) => ({ default: m.SettingsPage })));
const UsersPage = lazy(() => import("./pages/Users.tsx").then((m) => ({ default: m.UsersPage })));
const GroupsPage = lazy(() => import("./pages/Groups.tsx").then((m) => ({ default: m.GroupsPage })));
const RequestLogPage = lazy(() =>
  import("./pages/RequestLog.tsx").then((m) => ({ default: m.RequestLogPage })),
);
const WebhooksPage = lazy(() => import("./pages/Webhooks.tsx").then((m) => ({ default: m.WebhooksPage })));
const KeySetupGuidePage = lazy(() =>
  import("./pages/SetupGuide.tsx").then((m) => ({ default: m.KeySetupGuidePage })),
);
const PortalApp = lazy(() => import("./pages/portal/PortalApp.tsx").then((m) => ({ default: m.PortalApp })));
const PublicStatsPage = lazy(() =>
  import("./pages/PublicStats.tsx").then((m) => ({ default: m.PublicStatsPage })),
);

const loading = () => <p class="muted">{t("common.loading")}</p>;

function NotFound() {
  return (
    <div class="page">
      <h1>{t("notFound.title")}</h1>
      <p>
        <Link href="/">{t("nav.dashboard")}</Link>
      </p>
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

function AdminRoutes() {
  const keyId = () => matchRoute("/keys/:id", path())?.id;
  const guideKeyId = () => matchRoute("/keys/:id/setup", path())?.id;
  return (
    <Layout>
      <ErrorBoundary fallback={Crashed}>
        <Suspense fallback={loading()}>
          <Switch fallback={<NotFound />}>
            <Match when={path() === "/" || path() === "/login"}>
              <DashboardPage />
            </Match>
            <Match when={path() === "/keys"}>
              <KeysPage />
            </Match>
            <Match when={keyId()}>{(id) => <KeyDetailPage id={id()} />}</Match>
            <Match when={guideKeyId()}>{(id) => <KeySetupGuidePage id={id()} />}</Match>
            <Match when={path() === "/accounts"}>
              <AccountsPage />
            </Match>
            <Match when={path() === "/groups"}>
              <GroupsPage />
            </Match>
            <Match when={path() === "/users"}>
              <UsersPage />
            </Match>
            <Match when={path() === "/request-log"}>
              <RequestLogPage />
            </Match>
            <Match when={path() === "/webhooks"}>
              <WebhooksPage />
            </Match>
            <Match when={path() === "/settings"}>
              <SettingsPage />
            </Match>
          </Switch>
        </Suspense>
      </ErrorBoundary>
    </Layout>
  );
}

/** The user portal (/portal/…): its own session and pages, loaded on first visit. */
const isPortal = () => path() === "/portal" || path().startsWith("/portal/");

export function App() {
  return (
    <Show
      when={!isPortal()}
      fallback={
        <Suspense fallback={loading()}>
          <PortalApp />
        </Suspense>
      }
    >
      <Show
        when={path() !== "/stats"}
        fallback={
          <Suspense fallback={loading()}>
            <PublicStatsPage />
          </Suspense>
        }
      >
        <Show when={session()} fallback={<LoginPage />}>
          <AdminRoutes />
        </Show>
      </Show>
    </Show>
  );
}
