// An account's egress proxy in the account form: a URL typed in (never shown back: the admin API
// keeps it sealed and answers only its type, host and port), or the current one removed.
import type { Account } from "../api/types.ts";
import type { MessageKey } from "../i18n/index.ts";

export interface ProxyForm {
  /** A new proxy URL; empty keeps the current one (or none). */
  url: string;
  /** Remove the current proxy: calls go direct. */
  remove: boolean;
}

export const emptyProxy = (): ProxyForm => ({ url: "", remove: false });

const SCHEMES = new Set(["socks5:", "socks5h:", "http:", "https:"]);

/** A proxy URL the relay takes: scheme://[user:pass@]host[:port], nothing after. */
export function validateProxy(form: ProxyForm): MessageKey | null {
  const text = form.url.trim();
  if (text === "") return null;
  try {
    const url = new URL(text);
    const bare = (url.pathname === "" || url.pathname === "/") && !url.search && !url.hash;
    return SCHEMES.has(url.protocol) && url.hostname && bare ? null : "validate.proxyUrl";
  } catch {
    return "validate.proxyUrl";
  }
}

/** What the create or update body says about the proxy: a new URL, null to remove it, or nothing. */
export function proxyChange(
  form: ProxyForm,
  current: Account["proxy"] | undefined,
): { proxy?: string | null } {
  const text = form.url.trim();
  if (text) return { proxy: text };
  if (form.remove && current) return { proxy: null };
  return {};
}

/** Where a proxy is, as the account list and form show it. */
export function proxyLabel(proxy: NonNullable<Account["proxy"]>): string {
  const host = proxy.host.includes(":") ? `[${proxy.host}]` : proxy.host;
  return `${proxy.type}://${host}:${proxy.port}`;
}
