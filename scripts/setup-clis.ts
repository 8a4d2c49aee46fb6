// Installs the real AI CLIs (Claude Code, Gemini CLI, Codex CLI) the end-to-end tests drive into .tools/clis (git-ignored), at the
// versions recorded in ../shared/clients. Claude Code alone is ~380 MB, so it is not a
// devDependency: `npm install` stays light, and `npm run setup:clis` (or .ci/run) fetches them.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const CLIS = ["@anthropic-ai/claude-code@2.1.330", "@google/gemini-cli@0.61.0", "@openai/codex@0.169.0"];
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const prefix = join(root, ".tools", "clis");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

const installed = spawnSync(
  npm,
  ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", ...CLIS],
  {
    stdio: "inherit",
  },
);
if (installed.status !== 0) process.exit(installed.status ?? 1);

// Claude Code's postinstall puts its native binary in place; npm may skip install scripts.
const claude = join(prefix, "node_modules", ".bin", "claude");
const works = () => spawnSync(claude, ["--version"], { encoding: "utf8" }).status === 0;
if (!works()) {
  const installer = join(prefix, "node_modules", "@anthropic-ai", "claude-code", "install.cjs");
  if (existsSync(installer))
    spawnSync(process.execPath, [installer], { stdio: "inherit", cwd: dirname(installer) });
}
if (!works()) {
  console.error("Claude Code did not install: `claude --version` fails");
  process.exit(1);
}
for (const cli of ["gemini", "codex"]) {
  if (
    spawnSync(join(prefix, "node_modules", ".bin", cli), ["--version"], { encoding: "utf8" }).status !== 0
  ) {
    console.error(`${cli} did not install: \`${cli} --version\` fails`);
    process.exit(1);
  }
}
console.log(`CLIs installed in ${prefix}`);
