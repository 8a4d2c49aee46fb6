// Slack incoming webhook: `{text}` with mrkdwn bold title.

import { postJson, type TargetFormat } from "../delivery.ts";
import { render } from "../events.ts";

export const slack: TargetFormat<"slack"> = {
  build(target, event) {
    const { title, lines } = render(event);
    return postJson(target.url, { text: [`*${title}*`, ...lines].join("\n") });
  },
};
