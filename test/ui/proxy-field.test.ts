// The account form's egress proxy (admin-ui/src/lib/proxy.ts), without a browser: what it
// accepts, what it sends on create and update, and how it names the current proxy.
import { describe, expect, it } from "vitest";
import { emptyProxy, proxyChange, proxyLabel, validateProxy } from "../../admin-ui/src/lib/proxy.ts";

describe("the account form's egress proxy", () => {
  it("accepts socks5, http and https proxy URLs and refuses others, paths and non-URLs", () => {
    for (const url of [
      "",
      "socks5://u:p@203.0.113.7:1080",
      "http://proxy.example:3128",
      "https://[2001:db8::1]:8443/",
    ])
      expect(validateProxy({ url, remove: false }), url).toBeNull();
    for (const url of ["ftp://h:1", "http://h:1/path", "socks5://h?x=1", "not a url", "socks4://h:1080"])
      expect(validateProxy({ url, remove: false }), url).toBe("validate.proxyUrl");
  });

  it("sends a typed URL, null to remove the current proxy, and nothing when left alone", () => {
    const current = { type: "socks5" as const, host: "203.0.113.7", port: 1080 };
    expect(proxyChange({ url: " socks5://u:p@h:1 ", remove: false }, undefined)).toEqual({
      proxy: "socks5://u:p@h:1",
    });
    expect(proxyChange(emptyProxy(), current)).toEqual({});
    expect(proxyChange({ url: "", remove: true }, current)).toEqual({ proxy: null });
    // Nothing to remove: nothing sent (null on create would be a no-op anyway).
    expect(proxyChange({ url: "", remove: true }, null)).toEqual({});
    // A new URL wins over the removal switch.
    expect(proxyChange({ url: "http://h:2", remove: true }, current)).toEqual({ proxy: "http://h:2" });
  });

  it("names the current proxy by where it is", () => {
    expect(proxyLabel({ type: "socks5", host: "203.0.113.7", port: 1080 })).toBe("socks5://203.0.113.7:1080");
    expect(proxyLabel({ type: "http", host: "2001:db8::1", port: 3128 })).toBe("http://[2001:db8::1]:3128");
  });
});
