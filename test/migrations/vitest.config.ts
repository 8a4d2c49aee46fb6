export default {
  test: {
    include: ["test/migrations/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
};
