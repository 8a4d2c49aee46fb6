// The Keys page's batch helpers: the created keys as CSV (quoted where needed) and text, the batch
// edit form as a body naming only what changes, and the page's words in both languages.
import { describe, expect, it } from "vitest";
import type { CreatedKey } from "../../admin-ui/src/api/key-pages.ts";
import { MANY_DICTIONARIES } from "../../admin-ui/src/i18n/keys-many.ts";
import {
  batchEditBody,
  createdKeysCsv,
  createdKeysText,
  parseTagList,
} from "../../admin-ui/src/lib/key-batches.ts";

const created = (name: string, id: string, secret: string) => ({ key: { name, id }, secret }) as CreatedKey;

describe("created keys as a list", () => {
  it("is CSV with a header, a name holding a comma or quote quoted", () => {
    const csv = createdKeysCsv([created("a", "1", "cr_x"), created('b,"c"', "2", "cr_y")]);
    expect(csv).toBe('name,id,key\r\na,1,cr_x\r\n"b,""c""",2,cr_y\r\n');
    expect(createdKeysText([created("a", "1", "cr_x")])).toBe("a\tcr_x\n");
  });
});

describe("the batch edit form", () => {
  it("names only the limits and tags filled in", () => {
    const form = {
      dailyCostLimit: " 5 ",
      totalCostLimit: "",
      concurrencyLimit: "0",
      addTags: "x, y,x",
      removeTags: "",
    };
    expect(batchEditBody(["k1"], form)).toEqual({
      body: { ids: ["k1"], limits: { dailyCostLimit: 5, concurrencyLimit: 0 }, addTags: ["x", "y"] },
    });
    expect(batchEditBody(["k1"], { ...form, concurrencyLimit: "1.5" })).toEqual({
      invalid: "concurrencyLimit",
    });
    expect(batchEditBody(["k1"], { ...form, dailyCostLimit: "-1" })).toEqual({ invalid: "dailyCostLimit" });
    expect(parseTagList(" , a ,,b ")).toEqual(["a", "b"]);
  });
});

describe("the page's words", () => {
  it("exist in Chinese for every English key, with the same placeholders", () => {
    const { en, zh } = MANY_DICTIONARIES;
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(holes(zh[key as keyof typeof zh]), key).toEqual(holes(text));
    }
  });
});
