// The request to Bedrock's InvokeModel API for a Claude Messages call: the Anthropic body minus
// what Bedrock takes elsewhere (model in the path, stream in the action), SigV4-signed.
import { AwsV4Signer } from "aws4fetch";
import type { Config } from "../../env.ts";
import { RelayError } from "../../http/errors.ts";
import { type AccountRecord, bedrockCredentialsSchema } from "../../keyspace/records/accounts.ts";
import type { ClientCall } from "../provider.ts";
import { bedrockModelId } from "./models.ts";
import { bedrockSettingsOf } from "./settings.ts";

export const BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31";

/** The Messages fields Bedrock's Claude models accept; any other key is a ValidationException there. */
const BEDROCK_FIELDS = [
  "max_tokens",
  "messages",
  "system",
  "temperature",
  "top_p",
  "top_k",
  "stop_sequences",
  "tools",
  "tool_choice",
  "thinking",
];

export function bedrockEndpoint(account: AccountRecord, region: string): string {
  return (account.baseUrl || `https://bedrock-runtime.${region}.amazonaws.com`).replace(/\/+$/, "");
}

function bedrockBody(text: string): string {
  const client: unknown = JSON.parse(text);
  const source = client && typeof client === "object" ? (client as Record<string, unknown>) : {};
  const body: Record<string, unknown> = { anthropic_version: BEDROCK_ANTHROPIC_VERSION };
  for (const field of BEDROCK_FIELDS) if (source[field] !== undefined) body[field] = source[field];
  return JSON.stringify(body);
}

export async function buildBedrockRequest(
  call: ClientCall,
  account: AccountRecord,
  credentials: unknown,
  _config: Config,
): Promise<Request> {
  if (call.path !== "/v1/messages") {
    // CRS's answer: Bedrock has no token counting for the Messages API.
    throw new RelayError("invalid_request", "Token counting is not supported for Bedrock accounts", {
      status: 501,
    });
  }
  const settings = bedrockSettingsOf(account);
  const keys = bedrockCredentialsSchema.parse(credentials);
  const action = call.stream ? "invoke-with-response-stream" : "invoke";
  const modelId = encodeURIComponent(bedrockModelId(call.model, settings));
  const signer = new AwsV4Signer({
    url: `${bedrockEndpoint(account, settings.region)}/model/${modelId}/${action}`,
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: call.stream ? "application/vnd.amazon.eventstream" : "application/json",
    },
    body: bedrockBody(call.body),
    accessKeyId: keys.accessKeyId,
    secretAccessKey: keys.secretAccessKey,
    sessionToken: keys.sessionToken,
    service: "bedrock",
    region: settings.region,
  });
  const signed = await signer.sign();
  return new Request(signed.url, { method: signed.method, headers: signed.headers, body: signed.body });
}
