// `npm run migrate:crs -- --from redis://HOST:PORT[/db]|export.json --crs-encryption-key <key>
//    --to <url> --to-token <token> --encryption-key <ours> [--max-keys-per-user N] [--apply] [--json]`
import { fileURLToPath } from "node:url";
import { type FlagSpec, parseFlags, required, UsageError } from "../args.ts";
import { runCrsImport } from "./importer.ts";
import { formatReport } from "./report.ts";

const USAGE = `Usage: npm run migrate:crs -- --from <redis URL | export file> --crs-encryption-key <key> \\
         --to <Upstash REST URL> --to-token <token> --encryption-key <key> \\
         [--max-keys-per-user N] [--apply] [--json]

Imports a Claude Relay Service instance by reading its Redis directly: relay keys (they keep
working with their original strings), accounts (credentials re-encrypted with our key), account
groups, users (without a password: an admin resets it here), webhook settings, usage and cost
aggregates. Runtime state and other families are reported, not imported.
Dry run by default: it reports what it would write and writes nothing. Importing twice changes
nothing. Secrets may come from the environment instead of flags.

  --from                the original's Redis: redis://[:password@]HOST:PORT[/db], rediss://…,
                        or an Upstash REST URL                        ($CRS_REDIS_URL);
                        or a JSON file of its exports (data:export[:enhanced], or the body of
                        GET /admin/sync/export-accounts?include_secrets=true): fewer families
  --from-token          REST token when --from is an Upstash URL      ($CRS_REDIS_TOKEN)
  --crs-encryption-key  the original's ENCRYPTION_KEY                 ($CRS_ENCRYPTION_KEY)
  --to                  our keyspace's Upstash REST URL               ($UPSTASH_REDIS_REST_URL)
  --to-token            its REST token                                ($UPSTASH_REDIS_REST_TOKEN)
  --key-hash-secret     accepted and not needed: imported keys get our hash on first use
  --encryption-key      our ENCRYPTION_KEY                            ($ENCRYPTION_KEY)
  --max-keys-per-user   keys each imported user may hold: the original's MAX_API_KEYS_PER_USER
                        (default 1, as there)
  --timezone-offset     hours from UTC of the original's TIMEZONE_OFFSET (= our
                        TIMEZONE_OFFSET_HOURS): the day and week whose spend carries over
                        (default 8, as in both)              ($TIMEZONE_OFFSET_HOURS)
  --apply               write
  --json                print the report as JSON

Afterwards set CRS_ENCRYPTION_KEY on the Worker too (wrangler secret put CRS_ENCRYPTION_KEY), so
the imported keys are recognised; each is moved to our own hash on its first use.`;

const SPEC: FlagSpec = {
  from: { type: "string", env: "CRS_REDIS_URL" },
  "from-token": { type: "string", env: "CRS_REDIS_TOKEN" },
  "crs-encryption-key": { type: "string", env: "CRS_ENCRYPTION_KEY" },
  to: { type: "string", env: "UPSTASH_REDIS_REST_URL" },
  "to-token": { type: "string", env: "UPSTASH_REDIS_REST_TOKEN" },
  "key-hash-secret": { type: "string" },
  "encryption-key": { type: "string", env: "ENCRYPTION_KEY" },
  "max-keys-per-user": { type: "string" },
  "timezone-offset": { type: "string", env: "TIMEZONE_OFFSET_HOURS" },
  apply: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean" },
};

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const flags = parseFlags(argv, SPEC, env);
    if (flags.booleans.has("help")) {
      console.log(USAGE);
      return 0;
    }
    const maxKeys = flags.strings.get("max-keys-per-user");
    const maxKeysPerUser = maxKeys === undefined ? undefined : Number(maxKeys);
    if (
      maxKeysPerUser !== undefined &&
      !(Number.isInteger(maxKeysPerUser) && maxKeysPerUser >= 0 && maxKeysPerUser <= 1000)
    )
      throw new UsageError("--max-keys-per-user must be a whole number from 0 to 1000");
    const offset = flags.strings.get("timezone-offset");
    const timezoneOffsetHours = offset === undefined ? undefined : Number(offset);
    if (
      timezoneOffsetHours !== undefined &&
      !(Number.isFinite(timezoneOffsetHours) && timezoneOffsetHours >= -12 && timezoneOffsetHours <= 14)
    )
      throw new UsageError("--timezone-offset must be hours from UTC, -12 to 14");
    const report = await runCrsImport({
      from: required(flags, "from", SPEC),
      fromToken: flags.strings.get("from-token"),
      crsEncryptionKey: required(flags, "crs-encryption-key", SPEC),
      to: required(flags, "to", SPEC),
      toToken: required(flags, "to-token", SPEC),
      encryptionKey: required(flags, "encryption-key", SPEC),
      apply: flags.booleans.has("apply"),
      maxKeysPerUser,
      timezoneOffsetHours,
    });
    console.log(flags.booleans.has("json") ? JSON.stringify(report, null, 2) : formatReport(report));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`migrate:crs failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
