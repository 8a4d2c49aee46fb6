// The dashboard's and the CLI's API types (admin-ui/src/api/generated.ts) are generated from the
// admin API's OpenAPI document; this fails while the committed file lags behind the routes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const GENERATED = join(ROOT, "admin-ui/src/api/generated.ts");
const scratch = mkdtempSync(join(tmpdir(), "api-types-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const genTypes = (...args: string[]) =>
  spawnSync(process.execPath, ["scripts/gen-api-types.ts", "--check", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });

describe("generated API types", () => {
  it("admin-ui/src/api/generated.ts is what `npm run gen:types` makes of the routes now", () => {
    const result = genTypes();
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("a stale copy fails the check, naming the command that fixes it", () => {
    const stale = join(scratch, "generated.ts");
    writeFileSync(
      stale,
      readFileSync(GENERATED, "utf8").replace("secretSet: boolean;", "secretSet: string;"),
    );
    const result = genTypes("--file", stale);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("npm run gen:types");
  });
});
