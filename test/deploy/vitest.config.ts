export default {
  test: {
    include: ["test/deploy/**/*.test.ts"],
    environment: "node",
    silent: "passed-only",
    testTimeout: 60_000,
  },
};
