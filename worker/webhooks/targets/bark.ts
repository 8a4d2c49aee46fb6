// Bark (iOS push): POST {server}/push with the device key in the JSON body.
import { codeIsZero, postJson, type TargetFormat } from "../delivery.ts";
import { render } from "../events.ts";

export const bark: TargetFormat<"bark"> = {
  build(target, event) {
    const { title, lines, severity } = render(event);
    const base = (target.url ?? "https://api.day.app").replace(/\/+$/, "");
    return postJson(`${base}/push`, {
      device_key: target.deviceKey,
      title,
      body: lines.join("\n"),
      group: target.group ?? "edge-relay",
      level: severity === "error" ? "timeSensitive" : "active",
      ...(target.sound ? { sound: target.sound } : {}),
    });
  },
  accepted: (body) => codeIsZero(body, "code") || (body as { code?: unknown }).code === 200,
};
