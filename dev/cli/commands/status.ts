// `status`: is the relay up, can it reach its keyspace, and how many keys and accounts it holds.
import type { Command } from "../command.ts";
import { statusResponseSchema } from "../schemas.ts";
import { details, when } from "../table.ts";

export const statusCommands: Command[] = [
  {
    path: ["status"],
    args: [],
    summary: "Relay version, keyspace health, key and account counts",
    details: "Exits 0 even when the keyspace check fails; the Keyspace line then reads FAILING.",
    options: {},
    async run({ client, json, print }) {
      const { data, raw } = await client.request("GET", "/admin/status", statusResponseSchema);
      if (json) return print(JSON.stringify(raw, null, 2));
      const latency = data.keyspace.latencyMs == null ? "" : ` (${data.keyspace.latencyMs} ms)`;
      print(
        details([
          ["Relay", `${client.displayUrl} (version ${data.version})`],
          ["Time", when(data.time)],
          ["Keyspace", `${data.keyspace.ok ? "ok" : "FAILING"}${latency}`],
          ["Keys", `${data.keys.active} active / ${data.keys.total} total`],
          ["Accounts", `${data.accounts.active} active / ${data.accounts.total} total`],
        ]),
      );
    },
  },
];
