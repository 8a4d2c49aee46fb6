// CLI for the fake upstream. The single "listening" line is what scripts wait for and parse.
import { parseArgs } from "node:util";
import { startFakeUpstream } from "./server.ts";

const USAGE = `Usage: node dev/fake-upstream/main.ts [--port N]

A local fake of api.anthropic.com, the Gemini API (+ Code Assist) and the OpenAI API, on 127.0.0.1.
  --port N, -p N   port to listen on (default 0: any free port)
  --help, -h       show this help

Routes (any prefix before them, e.g. /api, /gemini, /openai):
  Anthropic  POST /v1/messages, POST /v1/messages/count_tokens
  Gemini     POST /v1beta/models/{model}:generateContent | :streamGenerateContent[?alt=sse] | :countTokens
             POST /v1internal:loadCodeAssist | :onboardUser | :generateContent | :streamGenerateContent | :countTokens
  OpenAI     POST /responses, /v1/responses, /chat/completions, /v1/chat/completions
  Models     GET /v1beta/models (Gemini); GET /v1/models: Gemini with x-goog-api-key or ?key=,
             Anthropic with anthropic-version / anthropic-beta / x-api-key, OpenAI otherwise
Scenarios by base URL, e.g. http://127.0.0.1:PORT/s/429 or /s/slow-200+hold-1000:
  ok, 429, 429-reset-<unixSeconds>, 529 (503 for Gemini/OpenAI), 500, 401, 403, slow-<ms>, hold-<ms>,
  reset-mid-stream, cut-<bytes>, cache-read, text-<urlencoded>
  Claude subscription (Anthropic messages; claude-limits.ts): windows, windows-<5h %>, five-hour-429,
  weekly-429, weekly-sonnet-429, weekly-opus-429, weekly-haiku-429, 429-no-reset, extra-usage,
  extra-usage-429, org-disabled, org-disabled-403
Control: GET /__stats, POST /__reset, POST /__control {"scenario":"429"}`;

function parseCli(): { port: number } | undefined {
  try {
    const { values } = parseArgs({
      options: { port: { type: "string", short: "p" }, help: { type: "boolean", short: "h" } },
    });
    if (values.help) return undefined;
    const port = Number(values.port ?? 0);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
    return { port };
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error(USAGE);
    process.exit(2);
  }
}

const cli = parseCli();
if (!cli) {
  console.log(USAGE);
} else {
  const upstream = await startFakeUpstream({ port: cli.port });
  console.log(`fake-upstream listening on ${upstream.url}`);
  const stop = () => {
    upstream.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
