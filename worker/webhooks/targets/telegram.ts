// Telegram Bot API: sendMessage to a chat, plain text (no parse mode, nothing to escape).

import { postJson, type TargetFormat } from "../delivery.ts";
import { plainText } from "../events.ts";

export const telegram: TargetFormat<"telegram"> = {
  build(target, event) {
    const base = (target.url ?? "https://api.telegram.org").replace(/\/+$/, "");
    return postJson(`${base}/bot${target.botToken}/sendMessage`, {
      chat_id: target.chatId,
      text: plainText(event),
      disable_web_page_preview: true,
    });
  },
  accepted: (body) => !(body && typeof body === "object" && "ok" in body && body.ok !== true),
};
