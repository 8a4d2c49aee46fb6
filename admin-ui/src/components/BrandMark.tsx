// The site's logo and name as the branding settings give them (the relay's own by default).
import { Show } from "solid-js";
import { branding, siteName } from "../branding.ts";

export function BrandMark(props: { size: number; label?: string }) {
  return (
    <>
      <img
        src={branding().logoUrl || `${import.meta.env.BASE_URL}favicon.svg`}
        alt=""
        width={props.size}
        height={props.size}
        data-testid="brand-logo"
      />
      <span data-testid="brand-name">{props.label ?? siteName()}</span>
    </>
  );
}

/** The admin's notice, when there is one. */
export function BrandNotice() {
  return (
    <Show when={branding().notice}>
      <p class="note brand-notice" role="status" data-testid="brand-notice">
        {branding().notice}
      </p>
    </Show>
  );
}
