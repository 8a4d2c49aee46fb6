export default { test: { include: ["test/cli/**/*.test.ts"], environment: "node", silent: "passed-only" } };
