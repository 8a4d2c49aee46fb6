export default {
  test: { include: ["test/fake-upstream/**/*.test.ts"], environment: "node", silent: "passed-only" },
};
