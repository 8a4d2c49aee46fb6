// The Bedrock account form's logic (admin-ui/src/lib/accounts.ts), without a browser: region and
// mapping validation, the bodies sent to the admin API, and a stored account back in the form.
import { describe, expect, it } from "vitest";
import type { Account } from "../../admin-ui/src/api/types.ts";
import {
  bedrockCredentialsBody,
  bedrockFrom,
  bedrockSettingsBody,
  emptyBedrock,
  platformOf,
  TYPES_OF,
  validateBedrock,
} from "../../admin-ui/src/lib/accounts.ts";

const filled = {
  ...emptyBedrock(),
  region: "eu-west-3",
  accessKeyId: "AKIAEXAMPLE",
  secretAccessKey: "secret",
  modelMapping: "claude-sonnet-4-5 = eu.anthropic.claude-sonnet-4-5-20250929-v1:0\n\n",
};

describe("Bedrock account form", () => {
  it("is a Claude-platform account type", () => {
    expect(TYPES_OF.claude).toContain("bedrock");
    expect(platformOf("bedrock")).toBe("claude");
  });

  it("needs a region and, when adding, both halves of the access key", () => {
    expect(validateBedrock(filled, true)).toEqual({});
    expect(validateBedrock({ ...filled, region: "Frankfurt" }, true)).toEqual({
      region: "validate.awsRegion",
    });
    expect(validateBedrock({ ...filled, accessKeyId: "", secretAccessKey: "" }, true)).toEqual({
      accessKeyId: "validate.required",
      secretAccessKey: "validate.required",
    });
    // Editing keeps the stored key unless one half is typed.
    expect(validateBedrock({ ...filled, accessKeyId: "", secretAccessKey: "" }, false)).toEqual({});
    expect(validateBedrock({ ...filled, secretAccessKey: "" }, false)).toEqual({
      secretAccessKey: "validate.required",
    });
    expect(validateBedrock({ ...filled, modelMapping: "claude-sonnet-4-5" }, true)).toEqual({
      modelMapping: "validate.modelMapping",
    });
  });

  it("sends the settings and the key apart, leaving out what is empty", () => {
    expect(bedrockSettingsBody(filled)).toEqual({
      region: "eu-west-3",
      modelMapping: { "claude-sonnet-4-5": "eu.anthropic.claude-sonnet-4-5-20250929-v1:0" },
    });
    expect(bedrockCredentialsBody(filled)).toEqual({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" });
    expect(bedrockCredentialsBody({ ...filled, sessionToken: " tok " })?.sessionToken).toBe("tok");
    expect(bedrockCredentialsBody({ ...filled, secretAccessKey: "" })).toBeUndefined();
  });

  it("shows a stored account's settings, never a key", () => {
    const account = {
      type: "bedrock",
      settings: { region: "us-west-2", modelMapping: { a: "b", c: "d" }, defaultModel: "x" },
    } as unknown as Account;
    expect(bedrockFrom(account)).toEqual({
      ...emptyBedrock(),
      region: "us-west-2",
      modelMapping: "a=b\nc=d",
      defaultModel: "x",
    });
  });
});
