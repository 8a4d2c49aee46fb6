export default { test: { include: ["test/deploy/**/*.test.ts"], environment: "node", testTimeout: 60_000 } };
