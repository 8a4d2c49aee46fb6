// The portal's new-key and password forms: values ⇄ the API's bodies, checked before sending.
// A user may only tighten the caps the admin set for them (the relay keeps the admin's otherwise).
import type { KeyLimits } from "../api/types.ts";
import type { MessageKey } from "../i18n/index.ts";
import { maxLength, nonNegative, nonNegativeInt, num, required, validate } from "./validate.ts";

export const USER_CAPS = ["dailyCostLimit", "totalCostLimit", "weeklyCostLimit", "concurrencyLimit"] as const;
export type UserCap = (typeof USER_CAPS)[number];

/** What a user may ask for on a new key (POST /users/keys). */
export interface PortalKeyInput {
  name: string;
  description?: string;
  limits?: Partial<Record<UserCap, number>>;
}

export interface PortalKeyForm {
  name: string;
  description: string;
  caps: Record<UserCap, string>;
}
export type PortalKeyField = "name" | "description" | UserCap;

export function emptyPortalKeyForm(): PortalKeyForm {
  return {
    name: "",
    description: "",
    caps: { dailyCostLimit: "", totalCostLimit: "", weeklyCostLimit: "", concurrencyLimit: "" },
  };
}

/** The admin's cap for a field (0 = none): what an empty field keeps and a value may not exceed. */
export function adminCap(defaults: KeyLimits, field: UserCap): number {
  return defaults[field];
}

export function validatePortalKeyForm(
  form: PortalKeyForm,
  defaults: KeyLimits,
): Partial<Record<PortalKeyField, MessageKey>> {
  const errors: Partial<Record<PortalKeyField, MessageKey>> = validate(
    { name: form.name, description: form.description },
    { name: [required, maxLength(200)], description: [maxLength(2000)] },
  );
  for (const field of USER_CAPS) {
    const value = form.caps[field];
    const check = field === "concurrencyLimit" ? nonNegativeInt : nonNegative;
    const problem = check(value);
    const cap = adminCap(defaults, field);
    if (problem) errors[field] = problem;
    else if (cap > 0 && num(value) > cap) errors[field] = "validate.range";
  }
  return errors;
}

/** The body of POST /users/keys: only the caps the user typed (0 or empty keeps the admin's). */
export function portalKeyBody(form: PortalKeyForm): PortalKeyInput {
  const limits: NonNullable<PortalKeyInput["limits"]> = {};
  for (const field of USER_CAPS) {
    const value = num(form.caps[field]);
    if (value > 0) limits[field] = value;
  }
  const description = form.description.trim();
  return {
    name: form.name.trim(),
    ...(description ? { description } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
  };
}

export interface PasswordForm {
  current: string;
  next: string;
  repeat: string;
}

export function validatePasswordForm(form: PasswordForm): Partial<Record<keyof PasswordForm, MessageKey>> {
  const errors: Partial<Record<keyof PasswordForm, MessageKey>> = validate(
    { current: form.current, next: form.next, repeat: form.repeat },
    {
      current: [required],
      next: [required, (v) => (v.length < 8 ? "validate.passwordShort" : null), maxLength(200)],
      repeat: [required],
    },
  );
  if (!errors.repeat && !errors.next && form.repeat !== form.next)
    errors.repeat = "validate.passwordMismatch";
  return errors;
}
