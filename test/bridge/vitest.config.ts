export default {
  test: { include: ["test/bridge/**/*.test.ts"], environment: "node", silent: "passed-only" },
};
