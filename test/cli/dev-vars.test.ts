// `npm run dev` reads optional secrets from .dev.vars (wrangler's local-secrets file).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readDevVars } from "../../dev/dev-vars.ts";

describe(".dev.vars", () => {
  const dirs: string[] = [];
  const file = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), "dev-vars-"));
    dirs.push(dir);
    const path = join(dir, ".dev.vars");
    writeFileSync(path, text);
    return path;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("reads NAME=value lines, quoted values and comments", () => {
    const path = file('# imported CRS keys\nCRS_ENCRYPTION_KEY="abc def"\nMETRICS_TOKEN=t0k3n\n\n');
    expect(readDevVars(path)).toEqual({ CRS_ENCRYPTION_KEY: "abc def", METRICS_TOKEN: "t0k3n" });
  });

  it("is empty when the file does not exist", () => {
    expect(readDevVars(join(tmpdir(), "no-such-dir-edge-relay", ".dev.vars"))).toEqual({});
  });

  it("refuses a name that is not a variable name", () => {
    expect(() => readDevVars(file("crs-key=1\n"))).toThrow(/not a variable name/);
  });
});
