// Feishu / Lark custom bot. Signed when the bot has a secret: sign = base64(HMAC-SHA256 keyed by
// "<timestamp>\n<secret>" over an empty message), timestamp in seconds, both in the body.
import { codeIsZero, hmacSha256, postJson, type TargetFormat, toBase64 } from "../delivery.ts";
import { plainText } from "../events.ts";

export async function feishuSign(secret: string, timestampSeconds: string): Promise<string> {
  return toBase64(await hmacSha256(`${timestampSeconds}\n${secret}`, ""));
}

export const feishu: TargetFormat<"feishu"> = {
  async build(target, event, now) {
    const body: Record<string, unknown> = { msg_type: "text", content: { text: plainText(event) } };
    if (target.secret) {
      const timestamp = String(Math.floor(now / 1000));
      body.timestamp = timestamp;
      body.sign = await feishuSign(target.secret, timestamp);
    }
    return postJson(target.url, body);
  },
  // Feishu answers {"code":0,...} (newer) or {"StatusCode":0,...} (older) on success.
  accepted: (body) => codeIsZero(body, "code", "StatusCode"),
};
