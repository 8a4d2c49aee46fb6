import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
/** Screenshots and the UI built for the tests (git-ignored). */
export const OUTPUT_DIR = join(ROOT, "test-output", "ui");
/**
 * Where global-setup.ts builds the UI and the tests serve it from. UI_TEST_DIST: a build of one's
 * own, when other runs share the machine and would rebuild (empty) the shared one mid-test.
 */
export const UI_DIST = process.env.UI_TEST_DIST ?? join(OUTPUT_DIR, "dist");
