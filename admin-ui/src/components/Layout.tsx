// The frame around admin pages: navigation, language and theme switches, logout.
import { For, type JSX } from "solid-js";
import { type Lang, lang, type MessageKey, setLang, t } from "../i18n/index.ts";
import { Link, path } from "../router.tsx";
import { logout, session } from "../session.ts";
import { theme, toggleTheme } from "../theme.ts";
import { BrandMark, BrandNotice } from "./BrandMark.tsx";

const NAV: { href: string; label: MessageKey; match: (p: string) => boolean }[] = [
  { href: "/", label: "nav.dashboard", match: (p) => p === "/" },
  { href: "/keys", label: "nav.keys", match: (p) => p.startsWith("/keys") },
  { href: "/accounts", label: "nav.accounts", match: (p) => p.startsWith("/accounts") },
  { href: "/request-log", label: "nav.requestLog", match: (p) => p.startsWith("/request-log") },
  { href: "/groups", label: "nav.groups", match: (p) => p.startsWith("/groups") },
  { href: "/users", label: "nav.users", match: (p) => p.startsWith("/users") },
  { href: "/webhooks", label: "nav.webhooks", match: (p) => p.startsWith("/webhooks") },
  { href: "/settings", label: "nav.settings", match: (p) => p.startsWith("/settings") },
];

export function Switchers() {
  return (
    <div class="switchers">
      <select
        aria-label={t("common.language")}
        data-testid="lang"
        value={lang()}
        onChange={(e) => setLang(e.currentTarget.value as Lang)}
      >
        <option value="en">English</option>
        <option value="zh">中文</option>
      </select>
      <button
        type="button"
        class="icon"
        data-testid="theme"
        aria-label={theme() === "dark" ? t("common.lightMode") : t("common.darkMode")}
        title={theme() === "dark" ? t("common.lightMode") : t("common.darkMode")}
        onClick={() => toggleTheme()}
      >
        {theme() === "dark" ? "☀" : "☾"}
      </button>
    </div>
  );
}

export function Layout(props: { children: JSX.Element }) {
  return (
    <div class="shell">
      <header class="topbar">
        <Link href="/" class="brand">
          <BrandMark size={22} />
        </Link>
        <nav class="nav">
          <For each={NAV}>
            {(item) => (
              <Link href={item.href} classList={{ active: item.match(path()) }}>
                {t(item.label)}
              </Link>
            )}
          </For>
        </nav>
        <div class="topbar-end">
          <Switchers />
          <span class="user" title={session()?.username}>
            {session()?.username}
          </span>
          <button type="button" class="secondary small" data-testid="logout" onClick={() => logout()}>
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
