// Adding and editing Azure OpenAI and Droid accounts in the dashboard (Chromium, built UI, real
// stack), then a request through each served by the fake upstream's Azure and Factory paths.
import { describe, expect, it } from "vitest";
import { accountsPageForTests } from "./helpers.ts";

const AZURE_KEY = "azure-ui-secret-key-0001";
const DROID_KEY = "fk-ui-secret-key-0001";

const app = accountsPageForTests();

describe("Azure OpenAI and Droid accounts in the dashboard", () => {
  it("adds an Azure account with validation, edits its api-version, and it serves /azure", async () => {
    const { page, upstream, stack, accountOf, keySecret } = app();
    await page.locator("[data-testid=new-account]").click();
    const form = page.locator("[data-testid=account-form]");
    await form.locator("select[name=type]").selectOption("azure-openai");
    await form.locator("[data-testid=azure-fields]").waitFor();
    await form.locator("input[name=account-name]").fill("ui-azure");
    await form.locator("input[name=apiKey]").fill(AZURE_KEY);
    await form.locator("input[name=apiVersion]").fill("latest");
    await form.locator("[data-testid=save-account]").click();
    await form.getByText("A version such as 2024-10-21 or 2025-04-01-preview").waitFor();
    await form.getByText("Required").first().waitFor();
    await form.locator("input[name=baseUrl]").fill(upstream.url);
    await form.locator("input[name=deployment]").fill("gpt4o-prod");
    await form.locator("input[name=apiVersion]").fill("2024-06-01");
    await form.locator("[data-testid=save-account]").click();
    await form.waitFor({ state: "detached" });
    const row = page.locator("[data-testid=account-row]", { hasText: "ui-azure" });
    await row.waitFor();
    expect(await page.content()).not.toContain(AZURE_KEY);
    expect(await accountOf("azure-openai")).toMatchObject({
      platform: "openai",
      baseUrl: upstream.url,
      settings: { deployment: "gpt4o-prod", apiVersion: "2024-06-01" },
    });

    // Edit: the stored settings are shown; emptying the api-version removes it (the default applies).
    await row.getByText("Edit").click();
    const dialog = page.locator("form", { has: page.locator("[data-testid=azure-fields]") });
    expect(await dialog.locator("input[name=deployment]").inputValue()).toBe("gpt4o-prod");
    await dialog.locator("input[name=apiVersion]").fill("");
    await dialog.locator("button[type=submit]").click();
    await dialog.waitFor({ state: "detached" });
    expect((await accountOf("azure-openai"))?.settings).toEqual({ deployment: "gpt4o-prod" });

    const response = await fetch(`${stack.relayUrl}/azure/chat/completions`, {
      method: "POST",
      headers: { "api-key": await keySecret("ui-azure"), "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    expect(upstream.stats().lastRequest?.path).toBe(
      "/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21",
    );
    expect(upstream.stats().byCredential[AZURE_KEY]?.requests).toBe(1);
  });

  it("adds a Droid account on its own tab, and it serves /droid", async () => {
    const { page, upstream, stack, accountOf, keySecret, problems } = app();
    await page.locator("[role=tab]", { hasText: "Droid" }).click();
    await page.locator("[data-testid=new-account]").click();
    const form = page.locator("[data-testid=account-form]");
    expect(await form.locator("select[name=type]").inputValue()).toBe("droid");
    await form.locator("input[name=account-name]").fill("ui-droid");
    await form.locator("input[name=apiKey]").fill(DROID_KEY);
    await form.locator("input[name=baseUrl]").fill(`${upstream.url}/api/llm`);
    await form.locator("input[name=userAgent]").fill("factory-cli/0.40.0");
    await form.locator("[data-testid=save-account]").click();
    await form.waitFor({ state: "detached" });
    await page.locator("[data-testid=account-row]", { hasText: "ui-droid" }).waitFor();
    expect(await page.content()).not.toContain(DROID_KEY);
    expect(await accountOf("droid")).toMatchObject({
      platform: "droid",
      settings: { userAgent: "factory-cli/0.40.0" },
    });

    const response = await fetch(`${stack.relayUrl}/droid/claude/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": await keySecret("ui-droid"), "content-type": "application/json" },
      body: JSON.stringify({
        model: "claude-sonnet-4-5",
        max_tokens: 16,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    expect(response.status).toBe(200);
    expect(upstream.stats().lastRequest?.headers).toMatchObject({
      authorization: `Bearer ${DROID_KEY}`,
      "user-agent": "factory-cli/0.40.0",
    });
    expect(problems).toEqual([]);
  });
});
