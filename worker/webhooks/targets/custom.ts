// Custom JSON: `{type, service: "edge-relay", timestamp, data}` (the original's shape, our service
// name). With a secret, `x-edge-relay-signature: sha256=<hex HMAC-SHA256(secret, "<ts>.<body>")>`
// and `x-edge-relay-timestamp: <ts>` (epoch seconds) let the receiver check it came from us.
import { toHex } from "../../keyspace/crypto.ts";
import { type Delivery, hmacSha256, postJson, type TargetFormat } from "../delivery.ts";

export const custom: TargetFormat<"custom"> = {
  async build(target, event, now): Promise<Delivery> {
    const payload = {
      type: event.type,
      service: "edge-relay",
      timestamp: new Date(event.at).toISOString(),
      data: event.data,
    };
    const delivery = postJson(target.url, payload, { "x-edge-relay-event-id": event.id });
    if (target.secret) {
      const ts = String(Math.floor(now / 1000));
      const signature = toHex(await hmacSha256(target.secret, `${ts}.${delivery.init.body}`));
      delivery.init.headers["x-edge-relay-timestamp"] = ts;
      delivery.init.headers["x-edge-relay-signature"] = `sha256=${signature}`;
    }
    return delivery;
  },
};
