// Adding and editing an AWS Bedrock account in the dashboard (Chromium, built UI, real stack),
// then a Claude request served by it through the fake upstream, which checks the signature.
import { describe, expect, it } from "vitest";
import { BEDROCK_TEST_CREDENTIALS } from "../../dev/fake-upstream/bedrock.ts";
import { accountsPageForTests } from "./helpers.ts";

const ACCESS_KEY = "AKIAFAKEBEDROCK00001";
const SECRET = BEDROCK_TEST_CREDENTIALS[ACCESS_KEY]?.secret ?? "";

const app = accountsPageForTests();

describe("Bedrock accounts in the dashboard", () => {
  it("adds one with validation, edits its mapping, and it serves a Claude request", async () => {
    const { page, upstream, stack, accountOf, keySecret, problems } = app();
    await page.locator("[data-testid=new-account]").click();
    const form = page.locator("[data-testid=account-form]");
    await form.locator("select[name=type]").selectOption("bedrock");
    await form.locator("[data-testid=bedrock-fields]").waitFor();
    await form.locator("input[name=account-name]").fill("ui-bedrock");
    await form.locator("input[name=region]").fill("Frankfurt");
    await form.locator("[data-testid=save-account]").click();
    await form.getByText("An AWS region such as us-east-1").waitFor();
    await form.getByText("Required").first().waitFor();
    await form.locator("input[name=region]").fill("eu-central-1");
    await form.locator("input[name=accessKeyId]").fill(ACCESS_KEY);
    await form.locator("input[name=secretAccessKey]").fill(SECRET);
    await form
      .locator("textarea[name=modelMapping]")
      .fill("claude-sonnet-4-5=eu.anthropic.claude-sonnet-4-5-20250929-v1:0");
    await form.locator("input[name=baseUrl]").fill(upstream.url);
    await form.locator("[data-testid=save-account]").click();
    await form.waitFor({ state: "detached" });
    const row = page.locator("[data-testid=account-row]", { hasText: "ui-bedrock" });
    await row.waitFor();
    expect(await page.content()).not.toContain(SECRET);

    const created = await accountOf("bedrock");
    expect(created?.settings).toEqual({
      region: "eu-central-1",
      modelMapping: { "claude-sonnet-4-5": "eu.anthropic.claude-sonnet-4-5-20250929-v1:0" },
    });

    // Edit: the stored settings are shown, the key is not; clearing the mapping removes it.
    await row.getByText("Edit").click();
    const dialog = page.locator("form", { has: page.locator("[data-testid=bedrock-fields]") });
    expect(await dialog.locator("input[name=region]").inputValue()).toBe("eu-central-1");
    expect(await dialog.locator("input[name=secretAccessKey]").inputValue()).toBe("");
    await dialog.locator("textarea[name=modelMapping]").fill("");
    await dialog.locator("input[name=region]").fill("us-east-2");
    await dialog.locator("button[type=submit]").click();
    await dialog.waitFor({ state: "detached" });
    const edited = await accountOf("bedrock");
    expect(edited?.settings).toEqual({ region: "us-east-2" });

    const secret = await keySecret("ui-bedrock");
    const response = await fetch(`${stack.relayUrl}/api/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": secret, "content-type": "application/json" },
      body: JSON.stringify({
        model: "claude-sonnet-4-5",
        max_tokens: 16,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    expect(response.status).toBe(200);
    expect(upstream.stats().byCredential[ACCESS_KEY]?.requests).toBe(1);
    expect(upstream.stats().lastRequest?.headers.authorization).toMatch(/\/us-east-2\/bedrock\//);
    expect(problems).toEqual([]);
  });
});
