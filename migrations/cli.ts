// `npm run migrate -- --url <upstash url> --token <token> [--apply] [--json]`
// Runs the keyspace migrations (migrations/registry.ts) over our own records. Dry run by default:
// it prints what would change and writes nothing.
import { fileURLToPath } from "node:url";
import { connectRedis } from "../worker/keyspace/store.ts";
import { type FlagSpec, parseFlags, required, UsageError } from "./args.ts";
import { formatRun, runMigrations } from "./framework.ts";
import { MIGRATIONS } from "./registry.ts";

const USAGE = `Usage: npm run migrate -- --url <Upstash REST URL> --token <token> [--apply] [--json]

Moves this relay's stored records (relay keys, accounts) to the current schemas. Without --apply
it only reports what would change. Safe to run twice: the second run changes nothing.

  --url     the keyspace's Upstash REST URL      (default: $UPSTASH_REDIS_REST_URL)
  --token   its REST token                        (default: $UPSTASH_REDIS_REST_TOKEN)
  --apply   write the changes
  --json    print the outcome as JSON

Exits 1 when a record could not be read or migrated (each is listed and left as it is).`;

const SPEC: FlagSpec = {
  url: { type: "string", env: "UPSTASH_REDIS_REST_URL" },
  token: { type: "string", env: "UPSTASH_REDIS_REST_TOKEN" },
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
    const redis = connectRedis({ url: required(flags, "url", SPEC), token: required(flags, "token", SPEC) });
    const run = await runMigrations(redis, MIGRATIONS, { apply: flags.booleans.has("apply") });
    console.log(flags.booleans.has("json") ? JSON.stringify(run, null, 2) : formatRun(run));
    return run.migrations.some((m) => m.invalid.length > 0) ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`migrate failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
