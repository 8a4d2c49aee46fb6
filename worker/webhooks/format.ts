// Target config + event → the HTTP request for it, through the target type's formatter.
import type { WebhookTarget } from "../keyspace/records/webhooks.ts";
import type { Delivery } from "./delivery.ts";
import type { RelayEvent } from "./events.ts";
import { bark } from "./targets/bark.ts";
import { custom } from "./targets/custom.ts";
import { dingtalk } from "./targets/dingtalk.ts";
import { discord } from "./targets/discord.ts";
import { feishu } from "./targets/feishu.ts";
import { slack } from "./targets/slack.ts";
import { telegram } from "./targets/telegram.ts";
import { wecom } from "./targets/wecom.ts";

const FORMATS = { custom, slack, discord, telegram, feishu, dingtalk, wecom, bark };

export async function buildDelivery(
  target: WebhookTarget,
  event: RelayEvent,
  now = Date.now(),
): Promise<Delivery> {
  switch (target.type) {
    case "custom":
      return custom.build(target, event, now);
    case "slack":
      return slack.build(target, event, now);
    case "discord":
      return discord.build(target, event, now);
    case "telegram":
      return telegram.build(target, event, now);
    case "feishu":
      return feishu.build(target, event, now);
    case "dingtalk":
      return dingtalk.build(target, event, now);
    case "wecom":
      return wecom.build(target, event, now);
    case "bark":
      return bark.build(target, event, now);
  }
}

/** Whether a 2xx answer's body says the target took the message (robots answer errors with 200). */
export function deliveryAccepted(target: WebhookTarget, bodyText: string): boolean {
  const format: { accepted?(body: unknown): boolean } = FORMATS[target.type];
  if (!format.accepted) return true;
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return true;
  }
  return format.accepted(body);
}
