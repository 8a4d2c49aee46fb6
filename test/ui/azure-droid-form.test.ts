// The Azure OpenAI and Droid account forms' logic (admin-ui/src/lib/azure-droid.ts and the type
// lists in lib/accounts.ts), without a browser: which platform each type is under, validation,
// the bodies sent to the admin API, and a stored account back in the form.
import { describe, expect, it } from "vitest";
import type { Account } from "../../admin-ui/src/api/types.ts";
import { isApiKeyType, oauthPlatformOf, platformOf, TYPES_OF } from "../../admin-ui/src/lib/accounts.ts";
import {
  azureFrom,
  azureSettingsBody,
  azureSettingsChange,
  droidUserAgentFrom,
  emptyAzure,
  validateAzure,
} from "../../admin-ui/src/lib/azure-droid.ts";

const ENDPOINT = "https://contoso.openai.azure.com";

const stored = (type: Account["type"], settings: Account["settings"]): Account => ({
  id: "a1",
  type,
  platform: platformOf(type),
  name: "x",
  description: "",
  baseUrl: ENDPOINT,
  priority: 50,
  schedulable: true,
  isActive: true,
  concurrencyLimit: 0,
  models: [],
  allowOtherClients: false,
  stopAt5hPercent: 0,
  dailyCostLimitUsd: 0,
  subscriptionExpiresAt: null,
  balanceUsd: null,
  balanceSetAt: null,
  balanceAlertUsd: 0,
  stopAtZeroBalance: false,
  proxy: null,
  settings,
  createdAt: "2026-11-23T00:00:00Z",
  updatedAt: "2026-11-23T00:00:00Z",
});

describe("account types", () => {
  it("puts Azure OpenAI under OpenAI and Droid under its own platform, both taking an API key", () => {
    expect(TYPES_OF.openai).toContain("azure-openai");
    expect(TYPES_OF.droid).toEqual(["droid"]);
    expect(platformOf("azure-openai")).toBe("openai");
    expect(platformOf("droid")).toBe("droid");
    expect(isApiKeyType("azure-openai")).toBe(true);
    expect(isApiKeyType("droid")).toBe(true);
    expect(oauthPlatformOf("openai-oauth")).toBe("openai");
    expect(() => oauthPlatformOf("droid")).toThrow(/no OAuth/);
  });
});

describe("Azure OpenAI form", () => {
  it("needs the endpoint and a deployment; api-versions are optional but well-formed", () => {
    const form = { ...emptyAzure(), deployment: "gpt4o-prod" };
    expect(validateAzure(form, ENDPOINT)).toEqual({});
    expect(validateAzure(emptyAzure(), " ")).toEqual({
      baseUrl: "validate.required",
      deployment: "validate.required",
    });
    expect(validateAzure({ ...form, deployment: "gpt 4o" }, ENDPOINT)).toEqual({
      deployment: "validate.azureDeployment",
    });
    expect(
      validateAzure({ ...form, apiVersion: "latest", responsesApiVersion: "2025-04-01-preview" }, ENDPOINT),
    ).toEqual({ apiVersion: "validate.apiVersion" });
  });

  it("sends only the versions given when adding, and removes emptied ones when editing", () => {
    const form = { deployment: " gpt4o-prod ", apiVersion: "2024-06-01", responsesApiVersion: "" };
    expect(azureSettingsBody(form)).toEqual({ deployment: "gpt4o-prod", apiVersion: "2024-06-01" });
    expect(azureSettingsChange(form)).toEqual({
      deployment: "gpt4o-prod",
      apiVersion: "2024-06-01",
      responsesApiVersion: null,
    });
  });

  it("reads a stored account back into the form", () => {
    const account = stored("azure-openai", { deployment: "d1", responsesApiVersion: "2025-03-01-preview" });
    expect(azureFrom(account)).toEqual({
      deployment: "d1",
      apiVersion: "",
      responsesApiVersion: "2025-03-01-preview",
    });
    expect(azureFrom({ ...account, settings: undefined })).toEqual(emptyAzure());
  });
});

describe("Droid form", () => {
  it("reads the stored user agent, empty when none", () => {
    expect(droidUserAgentFrom(stored("droid", { userAgent: "factory-cli/0.40.0" }))).toBe(
      "factory-cli/0.40.0",
    );
    expect(droidUserAgentFrom(stored("droid", {}))).toBe("");
  });
});
