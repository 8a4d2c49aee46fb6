// Credentials are checked against what the account's kind holds before they are sealed: the admin
// API's bodies are checked already, so this guards the writers behind them (OAuth exchanges,
// imports, new account kinds) from storing an envelope the relay could not read back.
import { beforeEach, describe, expect, it } from "vitest";
import { addAccount } from "../../worker/admin/accounts.ts";
import { services } from "../../worker/env.ts";
import { unseal } from "../../worker/keyspace/crypto.ts";
import { freshKeyspace, testEnv } from "./helpers.ts";

beforeEach(async () => {
  await freshKeyspace();
});

describe("sealed credentials", () => {
  it("refuses an envelope that is not the kind's, and stores nothing", async () => {
    await expect(
      addAccount(testEnv, "claude-console", { name: "wrong" }, { accessToken: "not an api key" }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/claude-console/) });
    await expect(
      addAccount(testEnv, "bedrock", { name: "half" }, { accessKeyId: "AKIA" }),
    ).rejects.toMatchObject({ status: 400 });
    expect(await services(testEnv).keyspace.listAccounts()).toEqual([]);
  });

  it("seals what the kind holds, without fields it does not know", async () => {
    const record = await addAccount(
      testEnv,
      "claude-console",
      { name: "ok" },
      { apiKey: "sk-ant-x", extra: 1 },
    );
    const opened: unknown = JSON.parse(await unseal(await services(testEnv).sealingKeys, record.credentials));
    expect(opened).toEqual({ apiKey: "sk-ant-x" });
  });
});
