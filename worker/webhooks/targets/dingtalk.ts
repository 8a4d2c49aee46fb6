// DingTalk robot: markdown message. Signed when the robot has a secret: timestamp (ms) and
// sign = base64(HMAC-SHA256(secret, "<timestamp>\n<secret>")) appended to the URL's query.
import { codeIsZero, hmacSha256, postJson, type TargetFormat, toBase64 } from "../delivery.ts";
import { render } from "../events.ts";

export async function dingtalkSign(secret: string, timestampMs: string): Promise<string> {
  return toBase64(await hmacSha256(secret, `${timestampMs}\n${secret}`));
}

export const dingtalk: TargetFormat<"dingtalk"> = {
  async build(target, event, now) {
    const { title, lines } = render(event);
    const url = new URL(target.url);
    if (target.secret) {
      const timestamp = String(now);
      url.searchParams.set("timestamp", timestamp);
      url.searchParams.set("sign", await dingtalkSign(target.secret, timestamp));
    }
    return postJson(url.toString(), {
      msgtype: "markdown",
      markdown: { title, text: [`#### ${title}`, "", ...lines.map((line) => `- ${line}`)].join("\n") },
    });
  },
  accepted: (body) => codeIsZero(body, "errcode"),
};
