// Builds the admin UI once for the browser tests, from the sources as they are now.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { OUTPUT_DIR, ROOT, UI_DIST } from "./paths.ts";

export default function setup(): void {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const result = spawnSync(
    process.execPath,
    [
      join(ROOT, "node_modules/vite/bin/vite.js"),
      "build",
      "admin-ui",
      "--outDir",
      UI_DIST,
      "--emptyOutDir",
      "--logLevel",
      "warn",
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  if (result.status !== 0) {
    throw new Error(`vite build of admin-ui failed:\n${result.stdout}\n${result.stderr}`);
  }
}
