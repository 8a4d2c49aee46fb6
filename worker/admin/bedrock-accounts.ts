// Adding AWS Bedrock accounts (access key, region, model mapping): they serve Claude requests
// from the Claude pool. Settings change through PATCH /accounts/{id} (`settings`); the access
// key through PUT /accounts/{id}/bedrock-credentials, since it is sealed, never shown.
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import { type AccountRecord, bedrockCredentialsSchema, poolNameOf } from "../keyspace/records/accounts.ts";
import { bedrockAccountFields } from "../providers/bedrock/settings.ts";
import { accountsChanged } from "../relay/schedule.ts";
import { addAccount, sealCredentials } from "./accounts.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { accountResult, newAccountRoute } from "./new-account-route.ts";
import { consoleAccountBody, errorSchema, idParam } from "./schemas.ts";
import { accountView } from "./views.ts";

const security = [{ adminJwt: [] }];
const tags = ["accounts"];

/** The settings every account takes (name, priority, models, baseUrl for a test upstream, …). */
const shared = consoleAccountBody.omit({ apiKey: true }).shape;

const bedrockAccountBody = z
  .object({ ...shared, ...bedrockAccountFields })
  .strict()
  .openapi("NewBedrockAccount");

const bedrockCredentialsBody = bedrockCredentialsSchema.strict().openapi("BedrockCredentials");

const routes = {
  create: newAccountRoute(
    "/accounts/bedrock",
    "Add an AWS Bedrock account (access key, region, optional model mapping); it serves Claude requests",
    bedrockAccountBody,
  ),
  credentials: createRoute({
    method: "put",
    path: "/accounts/{id}/bedrock-credentials",
    tags,
    security,
    summary: "Replace a Bedrock account's access key (id, secret, optional session token)",
    request: {
      params: idParam,
      body: { content: { "application/json": { schema: bedrockCredentialsBody } }, required: true },
    },
    responses: {
      200: jsonContent(accountResult, "Account"),
      404: jsonContent(errorSchema, "No such account"),
    },
  }),
};

export function registerBedrockAccounts(app: AdminApp) {
  app.openapi(routes.create, async (c) => {
    const { accessKeyId, secretAccessKey, sessionToken, region, modelMapping, defaultModel, ...common } =
      c.req.valid("json");
    const settings = {
      region,
      ...(modelMapping ? { modelMapping } : {}),
      ...(defaultModel ? { defaultModel } : {}),
    };
    const credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
    const record = await addAccount(c.env, "bedrock", { ...common, settings }, credentials);
    return c.json({ account: accountView(record) }, 201);
  });

  app.openapi(routes.credentials, async (c) => {
    const { id } = c.req.valid("param");
    const s = services(c.env);
    const record = await s.keyspace.getAccount(id);
    if (!record) throw new RelayError("not_found", `No account ${id}`);
    if (record.type !== "bedrock")
      throw new RelayError("invalid_request", `Account ${id} is not a Bedrock account`);
    const updated: AccountRecord = {
      ...record,
      credentials: await sealCredentials(c.env, "bedrock", c.req.valid("json")),
      updatedAt: new Date().toISOString(),
    };
    await s.keyspace.putAccount(updated);
    // A new key deserves a fresh start: the pool forgets an unauthorized state.
    await accountsChanged(c.env, s, poolNameOf(updated), updated.id);
    return c.json({ account: accountView(updated) }, 200);
  });
}
