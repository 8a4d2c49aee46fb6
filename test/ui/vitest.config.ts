// The admin dashboard's tests in Node: logic tests of admin-ui/src and the Worker's CORS, and the
// built UI driven in Debian's Chromium (playwright-core) against the real local stack.
// global-setup.ts builds the UI into test-output/ui/dist first.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/ui/**/*.test.ts"],
    // Logs (the Worker logs a line per request) are shown for failing tests only.
    silent: "passed-only",
    environment: "node",
    globalSetup: ["./test/ui/global-setup.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
