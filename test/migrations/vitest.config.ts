export default {
  test: {
    include: ["test/migrations/**/*.test.ts"],
    // Logs (the Worker logs a line per request) are shown for failing tests only.
    silent: "passed-only",
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
};
