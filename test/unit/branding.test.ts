// Branding: set by the admin, read publicly (no token, nothing else in the answer).
import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { admin, BASE, freshKeyspace } from "./helpers.ts";

describe("branding settings", () => {
  let token: string;

  beforeEach(async () => {
    token = await freshKeyspace();
  });

  const publicRead = async () => {
    const response = await SELF.fetch(`${BASE}/admin/branding`);
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };

  it("starts empty, is changed by the admin and read back publicly", async () => {
    expect(await publicRead()).toEqual({ siteName: "", logoUrl: "", notice: "" });
    const put = await admin(token, "PUT", "/settings/branding", {
      siteName: "Acme Relay",
      logoUrl: "https://example.com/logo.png",
      notice: "Maintenance on Sunday",
    });
    expect(put).toMatchObject({ status: 200, body: { siteName: "Acme Relay" } });
    expect(await publicRead()).toMatchObject({ siteName: "Acme Relay", notice: "Maintenance on Sunday" });

    // A partial change keeps the other fields.
    await admin(token, "PUT", "/settings/branding", { notice: "" });
    const read = await admin<Record<string, unknown>>(token, "GET", "/settings/branding");
    expect(read.body).toMatchObject({
      siteName: "Acme Relay",
      logoUrl: "https://example.com/logo.png",
      notice: "",
    });
  });

  it("refuses unsafe logo URLs and unknown fields, and needs a token to write", async () => {
    for (const logoUrl of [
      "javascript:alert(1)",
      "http://plain.example/logo.png",
      "data:text/html;base64,AA==",
    ])
      expect((await admin(token, "PUT", "/settings/branding", { logoUrl })).status).toBe(400);
    expect((await admin(token, "PUT", "/settings/branding", { color: "red" })).status).toBe(400);
    const anonymous = await SELF.fetch(`${BASE}/admin/settings/branding`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ siteName: "x" }),
    });
    expect(anonymous.status).toBe(401);
    expect((await publicRead()).siteName).toBe("");
  });
});
