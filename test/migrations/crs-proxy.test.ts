// The original's per-account proxy ({type, host, port, username, password} as JSON on the account
// record) is imported as the account's egress proxy (worker/proxy/), sealed with our key, instead
// of being dropped; what cannot be carried (SOCKS4, a broken record) is reported.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ACCOUNT_FAMILIES } from "../../migrations/crs/classify.ts";
import { CrsCipher } from "../../migrations/crs/crs-crypto.ts";
import { sealedProxyFor } from "../../migrations/crs/import-accounts.ts";
import { mapAccount } from "../../migrations/crs/map-accounts.ts";
import { importSealingKey, unseal } from "../../worker/keyspace/crypto.ts";
import type { AccountRecord } from "../../worker/keyspace/records/accounts.ts";
import { CRS_ENCRYPTION_KEY, crsEncrypt } from "./crs-fixture.ts";

const found = ACCOUNT_FAMILIES.find((f) => f.type === "claude-console");
if (!found) throw new Error("no console family");
const console_ = found;
const cipher = new CrsCipher(CRS_ENCRYPTION_KEY);

function consoleAccount(proxy: string | undefined) {
  return mapAccount(
    console_,
    "acc-1",
    {
      name: "with proxy",
      platform: "claude-console",
      apiUrl: "https://relay.example.com",
      apiKey: crsEncrypt("sk-ant-proxied", "claude-console-salt"),
      isActive: "true",
      schedulable: "true",
      priority: "50",
      createdAt: "2025-06-01T08:00:00.000Z",
      ...(proxy === undefined ? {} : { proxy }),
    },
    cipher,
  );
}

describe("importing an account's proxy", () => {
  it("maps socks5, http and https proxies with their credentials, and reports none of them unmapped", () => {
    const socks = consoleAccount(
      JSON.stringify({
        type: "socks5",
        host: "203.0.113.7",
        port: 1080,
        username: "us@er",
        password: "p:ss",
      }),
    );
    if (!socks.ok) throw new Error(socks.reason);
    expect(socks.value.proxyUrl).toBe("socks5://us%40er:p%3Ass@203.0.113.7:1080");
    expect(socks.notMapped.filter((n) => n.startsWith("proxy"))).toEqual([]);

    const http = consoleAccount(JSON.stringify({ type: "http", host: "proxy.example", port: "3128" }));
    if (!http.ok) throw new Error(http.reason);
    expect(http.value.proxyUrl).toBe("http://proxy.example:3128");

    const https = consoleAccount(
      JSON.stringify({ type: "https", host: "2001:db8::1", port: 8443, username: "u" }),
    );
    if (!https.ok) throw new Error(https.reason);
    expect(https.value.proxyUrl).toBe("https://u@[2001:db8::1]:8443");
    expect(https.notes.join(" ")).toMatch(/https:\/\/ proxy/);
  });

  it("imports no proxy for an empty field and reports one it cannot carry", () => {
    const none = consoleAccount("");
    if (!none.ok) throw new Error(none.reason);
    expect(none.value.proxyUrl).toBeUndefined();

    const socks4 = consoleAccount(JSON.stringify({ type: "socks4", host: "h", port: 1080 }));
    if (!socks4.ok) throw new Error(socks4.reason);
    expect(socks4.value.proxyUrl).toBeUndefined();
    expect(socks4.notMapped).toContain("proxy (socks4: not supported here; the account goes direct)");

    const broken = consoleAccount("{not json");
    if (!broken.ok) throw new Error(broken.reason);
    expect(broken.value.proxyUrl).toBeUndefined();
    expect(broken.notMapped).toContain("proxy (unreadable: the account goes direct)");
  });

  it("seals the proxy with our key and keeps the same envelope when importing it again", async () => {
    const sealing = await importSealingKey(randomBytes(32).toString("hex"));
    const url = "socks5://u:secret@203.0.113.7:1080";
    const first = await sealedProxyFor(sealing, null, url);
    expect(first).toMatchObject({ type: "socks5", host: "203.0.113.7", port: 1080 });
    expect(JSON.stringify(first)).not.toContain("secret");
    expect(await unseal([sealing], first?.sealed ?? "")).toBe(url);
    const existing = { proxy: first } as AccountRecord;
    expect(await sealedProxyFor(sealing, existing, url)).toBe(first);
    // None in the source: a proxy set here is kept, as a base URL set here is.
    expect(await sealedProxyFor(sealing, existing, undefined)).toBe(first);
    // Another one: sealed anew.
    const other = await sealedProxyFor(sealing, existing, "http://10.0.0.1:3128");
    expect(other?.type).toBe("http");
  });
});
