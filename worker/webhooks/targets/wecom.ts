// WeCom (WeChat Work) group robot: markdown message.
import { codeIsZero, postJson, type TargetFormat } from "../delivery.ts";
import { render } from "../events.ts";

export const wecom: TargetFormat<"wecom"> = {
  build(target, event) {
    const { title, lines } = render(event);
    return postJson(target.url, {
      msgtype: "markdown",
      markdown: { content: [`**${title}**`, ...lines.map((line) => `> ${line}`)].join("\n") },
    });
  },
  accepted: (body) => codeIsZero(body, "errcode"),
};
