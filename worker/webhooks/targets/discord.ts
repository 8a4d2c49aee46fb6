// Discord webhook: one embed, coloured by severity.

import { postJson, type TargetFormat } from "../delivery.ts";
import { render, type Severity } from "../events.ts";

const COLOR: Record<Severity, number> = { info: 0x2ecc71, warning: 0xf1c40f, error: 0xe74c3c };

export const discord: TargetFormat<"discord"> = {
  build(target, event) {
    const { title, lines, severity } = render(event);
    return postJson(target.url, {
      username: "edge-relay",
      embeds: [
        {
          title,
          description: lines.join("\n"),
          color: COLOR[severity],
          timestamp: new Date(event.at).toISOString(),
        },
      ],
    });
  },
};
