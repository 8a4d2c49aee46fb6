// Webhook targets in the dashboard: which fields each type takes, the form ⇄ the API's body.
import type { WebhookEvent, WebhookTarget, WebhookTargetInput, WebhookType } from "../api/types.ts";
import type { MessageKey } from "../i18n/index.ts";
import { between, httpUrl, maxLength, num, required, validate } from "./validate.ts";

/** The fields a target type takes besides the common ones. */
export const TYPE_FIELDS: Record<
  WebhookType,
  { url: "required" | "optional"; secret?: "secret" | "botToken"; chatId?: true; bark?: true }
> = {
  custom: { url: "required", secret: "secret" },
  slack: { url: "required" },
  discord: { url: "required" },
  telegram: { url: "optional", secret: "botToken", chatId: true },
  feishu: { url: "required", secret: "secret" },
  dingtalk: { url: "required", secret: "secret" },
  wecom: { url: "required" },
  bark: { url: "optional", bark: true },
};

export interface TargetForm {
  id: string;
  type: WebhookType;
  name: string;
  enabled: boolean;
  events: WebhookEvent[];
  timeoutMs: string;
  url: string;
  /** The secret or bot token; empty keeps the stored one. */
  secret: string;
  clearSecret: boolean;
  chatId: string;
  deviceKey: string;
  sound: string;
  group: string;
}
export type TargetFormField =
  | "name"
  | "timeoutMs"
  | "url"
  | "secret"
  | "chatId"
  | "deviceKey"
  | "sound"
  | "group";

export function newTargetId(): string {
  return `t-${Math.random().toString(36).slice(2, 10)}`;
}

export function emptyTargetForm(): TargetForm {
  return {
    id: newTargetId(),
    type: "custom",
    name: "",
    enabled: true,
    events: [],
    timeoutMs: "10000",
    url: "",
    secret: "",
    clearSecret: false,
    chatId: "",
    deviceKey: "",
    sound: "",
    group: "",
  };
}

export function targetFormFrom(target: WebhookTarget): TargetForm {
  return {
    id: target.id,
    type: target.type,
    name: target.name,
    enabled: target.enabled,
    events: [...target.events],
    timeoutMs: String(target.timeoutMs),
    url: target.url ?? "",
    secret: "",
    clearSecret: false,
    chatId: target.chatId ?? "",
    deviceKey: target.deviceKey ?? "",
    sound: target.sound ?? "",
    group: target.group ?? "",
  };
}

/** Whether the stored target has its secret (or bot token) set. */
export function secretIsSet(target: WebhookTarget | undefined): boolean {
  if (!target) return false;
  return target.type === "telegram" ? Boolean(target.botTokenSet) : target.secretSet;
}

/** Field → message key; `stored` is the saved target of the same id and type, if any. */
export function validateTargetForm(
  form: TargetForm,
  stored: WebhookTarget | undefined,
): Partial<Record<TargetFormField, MessageKey>> {
  const spec = TYPE_FIELDS[form.type];
  const errors: Partial<Record<TargetFormField, MessageKey>> = validate(
    { name: form.name, timeoutMs: form.timeoutMs, url: form.url, sound: form.sound, group: form.group },
    {
      name: [maxLength(200)],
      timeoutMs: [required, between(100, 60_000)],
      url: spec.url === "required" ? [required, httpUrl] : [httpUrl],
      sound: [maxLength(100)],
      group: [maxLength(100)],
    },
  );
  const sameStored = stored && stored.type === form.type ? stored : undefined;
  if (spec.secret === "botToken" && form.secret.trim() === "" && !secretIsSet(sameStored))
    errors.secret = "validate.required";
  if (spec.chatId && form.chatId.trim() === "") errors.chatId = "validate.required";
  if (spec.bark && form.deviceKey.trim() === "") errors.deviceKey = "validate.required";
  return errors;
}

/** The target for PUT /webhooks; a secret left empty is left out (the stored one is kept). */
export function targetBodyFrom(form: TargetForm): WebhookTargetInput {
  const spec = TYPE_FIELDS[form.type];
  const body: WebhookTargetInput = {
    id: form.id,
    type: form.type,
    name: form.name.trim(),
    enabled: form.enabled,
    events: [...form.events],
    timeoutMs: num(form.timeoutMs),
  };
  if (form.url.trim() !== "") body.url = form.url.trim();
  if (spec.secret) {
    if (form.secret.trim() !== "") body[spec.secret] = form.secret.trim();
    else if (form.clearSecret && spec.secret === "secret") body.secret = "";
  }
  if (spec.chatId) body.chatId = form.chatId.trim();
  if (spec.bark) {
    body.deviceKey = form.deviceKey.trim();
    if (form.sound.trim()) body.sound = form.sound.trim();
    if (form.group.trim()) body.group = form.group.trim();
  }
  return body;
}

/** The saved targets as a PUT sends them back (secrets left out, so they are kept). */
export function targetInputOf(target: WebhookTarget): WebhookTargetInput {
  const { secretSet: _s, botTokenSet: _b, ...rest } = target;
  return rest;
}
