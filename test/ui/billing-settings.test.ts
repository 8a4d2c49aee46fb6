// Settings → Billing events: its words in both languages, with the same placeholders.
import { describe, expect, it } from "vitest";
import { BILLING_DICTIONARIES } from "../../admin-ui/src/i18n/billing.ts";

describe("billing settings words", () => {
  it("are said in both languages", () => {
    const { en, zh } = BILLING_DICTIONARIES;
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(zh)) {
      expect(text, key).not.toBe("");
      expect(text.match(/\{\w+\}/g)?.sort(), key).toEqual(
        en[key as keyof typeof en].match(/\{\w+\}/g)?.sort(),
      );
    }
  });
});
