// The request log page's logic without a browser: its filters as the API's query and as the
// page's address, times from the browser's zone to UTC, status tones and durations.
import { describe, expect, it } from "vitest";
import { LOG_DICTIONARIES } from "../../admin-ui/src/i18n/request-log.ts";
import {
  emptyFilters,
  filtersFromSearch,
  formatMs,
  localToIso,
  logQuery,
  searchOf,
  statusTone,
} from "../../admin-ui/src/lib/request-log.ts";

describe("request log filters", () => {
  it("send only what is set, with times turned into UTC", () => {
    expect(logQuery(emptyFilters())).toEqual({
      keyId: undefined,
      accountId: undefined,
      model: undefined,
      status: undefined,
      errorsOnly: undefined,
      from: undefined,
      to: undefined,
      cursor: undefined,
      limit: 50,
    });
    const local = "2026-12-07T10:30:00";
    const query = logQuery(
      { ...emptyFilters(), keyId: "k1", model: "  haiku ", status: "5xx", errorsOnly: true, from: local },
      "123.1",
      20,
    );
    expect(query).toMatchObject({
      keyId: "k1",
      model: "haiku",
      status: "5xx",
      errorsOnly: "true",
      cursor: "123.1",
    });
    expect(query.from).toBe(new Date(local).toISOString());
    expect(query.limit).toBe(20);
    expect(localToIso("not a time")).toBeUndefined();
  });

  it("round-trip through the page's address; unknown values are dropped", () => {
    const filters = { ...emptyFilters(), accountId: "acct 1", status: "4xx" as const, errorsOnly: true };
    expect(searchOf(filters)).toBe("?accountId=acct+1&status=4xx&errorsOnly=1");
    expect(filtersFromSearch(searchOf(filters))).toEqual(filters);
    expect(searchOf(emptyFilters())).toBe("");
    expect(filtersFromSearch("?status=6xx&errorsOnly=yes").status).toBe("");
    expect(filtersFromSearch("?status=6xx&errorsOnly=yes").errorsOnly).toBe(false);
  });

  it("tone statuses and write durations", () => {
    expect([200, 302, 400, 429, 500, 503].map(statusTone)).toEqual([
      "active",
      "active",
      "warn",
      "warn",
      "error",
      "error",
    ]);
    expect([12.4, 999, 1234, 59_999, 125_000].map(formatMs)).toEqual([
      "12 ms",
      "999 ms",
      "1.2 s",
      "60.0 s",
      "2m 5s",
    ]);
  });

  it("are said in both languages", () => {
    const { en, zh } = LOG_DICTIONARIES;
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(zh)) {
      expect(text, key).not.toBe("");
      // The same placeholders in both languages.
      expect(text.match(/\{\w+\}/g)?.sort(), key).toEqual(
        en[key as keyof typeof en].match(/\{\w+\}/g)?.sort(),
      );
    }
  });
});
