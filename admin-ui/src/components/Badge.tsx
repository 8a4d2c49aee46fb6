// The status badges the lists and detail pages share.
import type { JSX } from "solid-js";
import type { RelayKey } from "../api/types.ts";
import { t } from "../i18n/index.ts";
import { keyStatus } from "../lib/keys.ts";
import { KEY_STATUS_LABEL } from "../lib/labels.ts";

/** Active or disabled (users, webhook targets, a key on the public page). */
export function ActiveBadge(props: { active: boolean }) {
  return (
    <span class={`badge ${props.active ? "active" : "disabled"}`}>
      {props.active ? t("status.active") : t("status.disabled")}
    </span>
  );
}

/** A key's status now: active, disabled or expired. */
export function KeyStatusBadge(props: { keyRecord: RelayKey }) {
  const status = () => keyStatus(props.keyRecord, Date.now());
  return <span class={`badge ${status()}`}>{t(KEY_STATUS_LABEL[status()])}</span>;
}

/** Green for a success, red for a failure (tests, deliveries, health checks). */
export function OutcomeBadge(props: { ok: boolean; children: JSX.Element }) {
  return <span class={`badge ${props.ok ? "active" : "error"}`}>{props.children}</span>;
}
