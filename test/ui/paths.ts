import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
/** Screenshots and the UI built for the tests (git-ignored). */
export const OUTPUT_DIR = join(ROOT, "test-output", "ui");
export const UI_DIST = join(OUTPUT_DIR, "dist");
