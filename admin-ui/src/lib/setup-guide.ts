// What each client needs to use this relay (the README's "Client routes" and what the real CLIs
// were seen to read in /work/shared/clients): the lines to paste, with the relay's URL and the key
// filled in. Pure, so its text is tested in Node.

export const GUIDE_CLIENTS = [
  "claude-code",
  "gemini-cli",
  "codex-cli",
  "openai-sdk",
  "anthropic-sdk",
] as const;
export type GuideClient = (typeof GUIDE_CLIENTS)[number];

/** Stands in for the key where its secret is not known (it is shown only when the key is made). */
export const KEY_PLACEHOLDER = "cr_REPLACE_WITH_YOUR_KEY";

/** What a block is, for its caption (the page words it in the chosen language). */
export type BlockKind =
  | "shell"
  | "claude-settings"
  | "gemini-settings"
  | "codex-config"
  | "openai-python"
  | "openai-node"
  | "anthropic-python"
  | "anthropic-node";

export interface GuideBlock {
  kind: BlockKind;
  /** The file the text goes into (a config file), or undefined for a terminal. */
  file?: string;
  language: "sh" | "json" | "toml" | "python" | "js";
  text: string;
}

export interface Guide {
  client: GuideClient;
  blocks: GuideBlock[];
}

/** The relay's root URL for clients: the API base the dashboard talks to, else the page's origin. */
export function relayRoot(apiBase: string, origin: string): string {
  return (apiBase || origin).replace(/\/+$/, "");
}

/** A value as one shell word: bare when it is plainly safe, else in single quotes. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A string literal valid in JSON, TOML (basic string), Python and JavaScript alike. */
const literal = (value: string) => JSON.stringify(value);

const exports = (vars: [string, string][]) =>
  vars.map(([name, value]) => `export ${name}=${shellWord(value)}`).join("\n");

/** The base URL each client is given (the README's table). */
export function clientBaseUrls(root: string) {
  return {
    anthropic: `${root}/api`,
    gemini: `${root}/gemini`,
    openaiResponses: `${root}/openai`,
    openaiChat: `${root}/openai/v1`,
  };
}

/** Every client's guide for a relay root and a key (null: the placeholder stands in). */
export function setupGuides(root: string, key: string | null): Guide[] {
  const secret = key ?? KEY_PLACEHOLDER;
  const url = clientBaseUrls(root);
  const model = "claude-sonnet-4-5";
  return [
    {
      client: "claude-code",
      blocks: [
        {
          kind: "shell",
          language: "sh",
          text: `${exports([
            ["ANTHROPIC_BASE_URL", url.anthropic],
            ["ANTHROPIC_AUTH_TOKEN", secret],
          ])}\nclaude`,
        },
        {
          kind: "claude-settings",
          file: "~/.claude/settings.json",
          language: "json",
          text: JSON.stringify(
            { env: { ANTHROPIC_BASE_URL: url.anthropic, ANTHROPIC_AUTH_TOKEN: secret } },
            null,
            2,
          ),
        },
      ],
    },
    {
      client: "gemini-cli",
      blocks: [
        {
          kind: "gemini-settings",
          file: "~/.gemini/settings.json",
          language: "json",
          text: JSON.stringify({ security: { auth: { selectedType: "gemini-api-key" } } }, null, 2),
        },
        {
          kind: "shell",
          language: "sh",
          text: `${exports([
            ["GOOGLE_GEMINI_BASE_URL", url.gemini],
            ["GEMINI_API_KEY", secret],
          ])}\ngemini`,
        },
      ],
    },
    {
      client: "codex-cli",
      blocks: [
        {
          kind: "codex-config",
          file: "~/.codex/config.toml",
          language: "toml",
          text: [
            `model_provider = "relay"`,
            "",
            "[model_providers.relay]",
            `name = "relay"`,
            `base_url = ${literal(url.openaiResponses)}`,
            `wire_api = "responses"`,
            `env_key = "RELAY_KEY"`,
          ].join("\n"),
        },
        { kind: "shell", language: "sh", text: `${exports([["RELAY_KEY", secret]])}\ncodex` },
      ],
    },
    {
      client: "openai-sdk",
      blocks: [
        {
          kind: "shell",
          language: "sh",
          text: exports([
            ["OPENAI_BASE_URL", url.openaiChat],
            ["OPENAI_API_KEY", secret],
          ]),
        },
        {
          kind: "openai-python",
          language: "python",
          text: [
            "import os",
            "from openai import OpenAI",
            "",
            `client = OpenAI(base_url=${literal(url.openaiChat)}, api_key=os.environ["OPENAI_API_KEY"])`,
            "reply = client.chat.completions.create(",
            `    model=${literal(model)},`,
            `    messages=[{"role": "user", "content": "Hello"}],`,
            ")",
            "print(reply.choices[0].message.content)",
          ].join("\n"),
        },
        {
          kind: "openai-node",
          language: "js",
          text: [
            `import OpenAI from "openai";`,
            "",
            `const client = new OpenAI({ baseURL: ${literal(url.openaiChat)}, apiKey: process.env.OPENAI_API_KEY });`,
            "const reply = await client.chat.completions.create({",
            `  model: ${literal(model)},`,
            `  messages: [{ role: "user", content: "Hello" }],`,
            "});",
            "console.log(reply.choices[0].message.content);",
          ].join("\n"),
        },
      ],
    },
    {
      client: "anthropic-sdk",
      blocks: [
        {
          kind: "shell",
          language: "sh",
          text: exports([
            ["ANTHROPIC_BASE_URL", url.anthropic],
            ["ANTHROPIC_API_KEY", secret],
          ]),
        },
        {
          kind: "anthropic-python",
          language: "python",
          text: [
            "import os",
            "import anthropic",
            "",
            `client = anthropic.Anthropic(base_url=${literal(url.anthropic)}, api_key=os.environ["ANTHROPIC_API_KEY"])`,
            "message = client.messages.create(",
            `    model=${literal(model)},`,
            "    max_tokens=1024,",
            `    messages=[{"role": "user", "content": "Hello"}],`,
            ")",
            "print(message.content[0].text)",
          ].join("\n"),
        },
        {
          kind: "anthropic-node",
          language: "js",
          text: [
            `import Anthropic from "@anthropic-ai/sdk";`,
            "",
            `const client = new Anthropic({ baseURL: ${literal(url.anthropic)}, apiKey: process.env.ANTHROPIC_API_KEY });`,
            "const message = await client.messages.create({",
            `  model: ${literal(model)},`,
            "  max_tokens: 1024,",
            `  messages: [{ role: "user", content: "Hello" }],`,
            "});",
            "console.log(message.content[0].text);",
          ].join("\n"),
        },
      ],
    },
  ];
}
