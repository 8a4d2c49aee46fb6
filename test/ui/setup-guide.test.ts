// The setup guide's lines and the portal's forms, without a browser: each client's lines carry the
// relay's URL on the path that client needs (README "Client routes", /work/shared/clients) and the
// key or the placeholder; the shell lines set exactly those values in a real shell, the config files
// parse, and the code samples compile.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { KeyLimits } from "../../admin-ui/src/api/types.ts";
import { PORTAL_DICTIONARIES } from "../../admin-ui/src/i18n/portal.ts";
import {
  emptyPortalKeyForm,
  portalKeyBody,
  validatePasswordForm,
  validatePortalKeyForm,
} from "../../admin-ui/src/lib/portal-keys.ts";
import {
  GUIDE_CLIENTS,
  type Guide,
  type GuideBlock,
  type GuideClient,
  KEY_PLACEHOLDER,
  relayRoot,
  setupGuides,
  shellWord,
} from "../../admin-ui/src/lib/setup-guide.ts";

const ROOT = "https://relay.example.com";
const KEY = `cr_${"ab12".repeat(16)}`;
const work = mkdtempSync(join(tmpdir(), "setup-guide-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function guideOf(guides: Guide[], client: GuideClient): GuideBlock[] {
  const guide = guides.find((g) => g.client === client);
  if (!guide) throw new Error(`no guide for ${client}`);
  return guide.blocks;
}
const blockOf = (blocks: GuideBlock[], kind: GuideBlock["kind"]) => {
  const block = blocks.find((b) => b.kind === kind);
  if (!block) throw new Error(`no ${kind} block`);
  return block;
};

/** What a shell block leaves in the environment, run in bash with the client command stubbed. */
function shellEnv(text: string, names: string[]): Record<string, string> {
  const script = `claude() { :; }; gemini() { :; }; codex() { :; }\n${text}\n${names
    .map((n) => `printf '%s\\n' "$${n}"`)
    .join("\n")}`;
  const out = execFileSync("bash", ["-c", script], { encoding: "utf8", env: { PATH: process.env.PATH } });
  const values = out.split("\n");
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? ""]));
}

describe("relayRoot", () => {
  it("is the API base the dashboard uses, else the page's origin, without a trailing slash", () => {
    expect(relayRoot("", "https://dash.example.com")).toBe("https://dash.example.com");
    expect(relayRoot("https://relay.example.com/", "https://dash.example.com")).toBe(ROOT);
    expect(relayRoot("https://example.com/relay//", "https://x")).toBe("https://example.com/relay");
  });
});

describe("setupGuides", () => {
  const guides = setupGuides(ROOT, KEY);

  it("covers the five clients, in order", () => {
    expect(guides.map((g) => g.client)).toEqual([...GUIDE_CLIENTS]);
  });

  it("points Claude Code at /api with the key as its auth token, in the shell and in settings.json", () => {
    const blocks = guideOf(guides, "claude-code");
    const shell = blockOf(blocks, "shell");
    expect(shellEnv(shell.text, ["ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"])).toEqual({
      ANTHROPIC_BASE_URL: `${ROOT}/api`,
      ANTHROPIC_AUTH_TOKEN: KEY,
    });
    expect(shell.text.split("\n").at(-1)).toBe("claude");
    const settings = blockOf(blocks, "claude-settings");
    expect(settings.file).toBe("~/.claude/settings.json");
    expect(JSON.parse(settings.text)).toEqual({
      env: { ANTHROPIC_BASE_URL: `${ROOT}/api`, ANTHROPIC_AUTH_TOKEN: KEY },
    });
  });

  it("gives Gemini CLI the gemini-api-key auth type and /gemini with GEMINI_API_KEY", () => {
    const blocks = guideOf(guides, "gemini-cli");
    const settings = blockOf(blocks, "gemini-settings");
    expect(settings.file).toBe("~/.gemini/settings.json");
    // Without it the CLI picks the "gateway" auth type once the base URL is set, and refuses it.
    expect(JSON.parse(settings.text)).toEqual({ security: { auth: { selectedType: "gemini-api-key" } } });
    expect(shellEnv(blockOf(blocks, "shell").text, ["GOOGLE_GEMINI_BASE_URL", "GEMINI_API_KEY"])).toEqual({
      GOOGLE_GEMINI_BASE_URL: `${ROOT}/gemini`,
      GEMINI_API_KEY: KEY,
    });
  });

  it("gives Codex CLI a responses provider at /openai reading the key from the env var it names", () => {
    const blocks = guideOf(guides, "codex-cli");
    const config = blockOf(blocks, "codex-config");
    expect(config.file).toBe("~/.codex/config.toml");
    const lines = config.text.split("\n");
    expect(lines[0]).toBe('model_provider = "relay"');
    const table = lines.indexOf("[model_providers.relay]");
    expect(table).toBeGreaterThan(0);
    const settings = Object.fromEntries(
      lines.slice(table + 1).map((line) => {
        const [name, value] = line.split(" = ");
        return [name, JSON.parse(value ?? "")];
      }),
    );
    expect(settings).toEqual({
      name: "relay",
      base_url: `${ROOT}/openai`,
      wire_api: "responses",
      env_key: "RELAY_KEY",
    });
    expect(shellEnv(blockOf(blocks, "shell").text, ["RELAY_KEY"])).toEqual({ RELAY_KEY: KEY });
  });

  it("points the OpenAI SDK at /openai/v1 and the Anthropic SDK at /api", () => {
    const openai = guideOf(guides, "openai-sdk");
    expect(shellEnv(blockOf(openai, "shell").text, ["OPENAI_BASE_URL", "OPENAI_API_KEY"])).toEqual({
      OPENAI_BASE_URL: `${ROOT}/openai/v1`,
      OPENAI_API_KEY: KEY,
    });
    expect(blockOf(openai, "openai-python").text).toContain(`base_url="${ROOT}/openai/v1"`);
    expect(blockOf(openai, "openai-node").text).toContain(`baseURL: "${ROOT}/openai/v1"`);
    const anthropic = guideOf(guides, "anthropic-sdk");
    expect(shellEnv(blockOf(anthropic, "shell").text, ["ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY"])).toEqual({
      ANTHROPIC_BASE_URL: `${ROOT}/api`,
      ANTHROPIC_API_KEY: KEY,
    });
    expect(blockOf(anthropic, "anthropic-python").text).toContain(`base_url="${ROOT}/api"`);
    expect(blockOf(anthropic, "anthropic-node").text).toContain(`baseURL: "${ROOT}/api"`);
  });

  it("writes code samples that compile (Node ESM with top-level await, Python 3)", () => {
    const samples = guides
      .flatMap((g) => g.blocks)
      .filter((b) => b.language === "js" || b.language === "python");
    expect(samples).toHaveLength(4);
    for (const [i, sample] of samples.entries()) {
      if (sample.language === "js") {
        const file = join(work, `sample-${i}.mjs`);
        writeFileSync(file, sample.text);
        execFileSync(process.execPath, ["--check", file]);
      } else {
        const file = join(work, `sample_${i}.py`);
        writeFileSync(file, sample.text);
        execFileSync("python3", ["-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", file]);
      }
    }
  });

  it("uses the placeholder, and only it, when the key's secret is not known", () => {
    const text = (g: Guide[]) => g.flatMap((guide) => guide.blocks.map((b) => b.text)).join("\n");
    const withKey = text(guides);
    expect(withKey).toContain(KEY);
    expect(withKey).not.toContain(KEY_PLACEHOLDER);
    const without = text(setupGuides(ROOT, null));
    expect(without).not.toContain("cr_ab12");
    // Every place a key goes (5 shell blocks and Claude's settings.json) has the placeholder.
    expect(without.split(KEY_PLACEHOLDER).length - 1).toBe(6);
  });

  it("quotes a URL the shell would split or expand, and the shell gets it back whole", () => {
    const odd = "https://relay.example.com/a b/$HOME/it's";
    expect(shellWord(KEY)).toBe(KEY);
    expect(shellWord(odd)).not.toBe(odd);
    const shell = blockOf(guideOf(setupGuides(odd, KEY), "claude-code"), "shell");
    expect(shellEnv(shell.text, ["ANTHROPIC_BASE_URL"]).ANTHROPIC_BASE_URL).toBe(`${odd}/api`);
  });

  it("has a caption for every block and a name for every client in both languages", () => {
    const kinds = new Set(guides.flatMap((g) => g.blocks.map((b) => b.kind)));
    for (const dict of Object.values(PORTAL_DICTIONARIES)) {
      for (const kind of kinds) expect(dict[`guide.block.${kind}`], kind).toBeTruthy();
      for (const client of GUIDE_CLIENTS) expect(dict[`guide.client.${client}`], client).toBeTruthy();
    }
    expect(Object.keys(PORTAL_DICTIONARIES.zh).sort()).toEqual(Object.keys(PORTAL_DICTIONARIES.en).sort());
  });
});

describe("the portal's new-key form", () => {
  const defaults = {
    dailyCostLimit: 5,
    totalCostLimit: 0,
    weeklyCostLimit: 0,
    concurrencyLimit: 3,
  } as KeyLimits;

  it("refuses a cap looser than the admin's, and takes any cap where the admin set none", () => {
    const form = emptyPortalKeyForm();
    expect(validatePortalKeyForm(form, defaults)).toEqual({ name: "validate.required" });
    form.name = "laptop";
    form.caps.dailyCostLimit = "6";
    form.caps.totalCostLimit = "100";
    form.caps.concurrencyLimit = "1.5";
    expect(validatePortalKeyForm(form, defaults)).toEqual({
      dailyCostLimit: "validate.range",
      concurrencyLimit: "validate.nonNegativeInt",
    });
    form.caps.dailyCostLimit = "5";
    form.caps.concurrencyLimit = "-1";
    expect(validatePortalKeyForm(form, defaults)).toEqual({ concurrencyLimit: "validate.nonNegativeInt" });
  });

  it("sends only the caps typed, and no description when it is empty", () => {
    const form = emptyPortalKeyForm();
    form.name = "  ci  ";
    expect(portalKeyBody(form)).toEqual({ name: "ci" });
    form.caps.dailyCostLimit = "2.5";
    form.caps.concurrencyLimit = "0";
    form.description = "build bot";
    expect(portalKeyBody(form)).toEqual({
      name: "ci",
      description: "build bot",
      limits: { dailyCostLimit: 2.5 },
    });
  });
});

describe("the portal's password form", () => {
  it("needs the current password, 8 characters and the same new password twice", () => {
    expect(validatePasswordForm({ current: "", next: "short", repeat: "" })).toEqual({
      current: "validate.required",
      next: "validate.passwordShort",
      repeat: "validate.required",
    });
    expect(validatePasswordForm({ current: "old", next: "long-enough-1", repeat: "long-enough-2" })).toEqual({
      repeat: "validate.passwordMismatch",
    });
    expect(validatePasswordForm({ current: "old", next: "long-enough-1", repeat: "long-enough-1" })).toEqual(
      {},
    );
  });
});
