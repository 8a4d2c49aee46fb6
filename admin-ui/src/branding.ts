// The site's branding (name, logo, notice), read from the relay's public endpoint once per page
// load and again after the admin changes it; also sets the document title.
import { createSignal } from "solid-js";
import type { Branding } from "./api/ops-types.ts";
import { apiBase } from "./lib/api-base.ts";
import { requestJson } from "./lib/http.ts";

export const DEFAULT_NAME = "edge-relay";
const EMPTY: Branding = { siteName: "", logoUrl: "", notice: "" };
const [branding, setBrandingSignal] = createSignal<Branding>(EMPTY);

export { branding };

export const siteName = () => branding().siteName || DEFAULT_NAME;

export function setBranding(value: Branding): void {
  setBrandingSignal(value);
  if (globalThis.document) globalThis.document.title = value.siteName || DEFAULT_NAME;
}

export async function loadBranding(): Promise<void> {
  try {
    setBranding(await requestJson<Branding>(apiBase(), "GET", "/admin/branding"));
  } catch {
    // An older relay or an unreachable one: the default name stays.
  }
}
