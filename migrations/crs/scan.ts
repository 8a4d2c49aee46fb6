// Every key of the original, once: SCAN, classify by name (classify.ts), and check each key's
// Redis TYPE against what its name says before any family reads it.
import { type Classified, classify } from "./classify.ts";
import type { CrsImportReport } from "./report.ts";
import type { SourceReader } from "./source.ts";

export type Typed<K extends Classified["kind"]> = { key: string; c: Extract<Classified, { kind: K }> };

export interface Scanned {
  total: number;
  relayKeys: Typed<"relayKey">[];
  accounts: Typed<"account">[];
  groups: Typed<"group">[];
  groupMembers: Typed<"groupMembers">[];
  users: Typed<"user">[];
  webhooks: Typed<"webhook">[];
  usage: Typed<"usage">[];
  costs: Typed<"cost">[];
  index: number;
  reported: Map<string, { family: string; reason: string; count: number }>;
  unexpected: CrsImportReport["unexpectedTypes"];
}

/** SCAN every key, classify it by name, and check its TYPE against what its name says. */
export async function scanSource(source: SourceReader): Promise<Scanned> {
  const seen = new Set<string>();
  for await (const batch of source.scan()) for (const key of batch) seen.add(key);
  const all = [...seen].sort();
  const out: Scanned = {
    total: all.length,
    relayKeys: [],
    accounts: [],
    groups: [],
    groupMembers: [],
    users: [],
    webhooks: [],
    usage: [],
    costs: [],
    index: 0,
    reported: new Map(),
    unexpected: [],
  };
  const typed: { key: string; c: Classified & { expect: string } }[] = [];
  for (const key of all) {
    const c = classify(key);
    if (c.kind === "index") out.index++;
    else if (c.kind === "report") {
      const id = `${c.family}\u0000${c.reason}`;
      const entry = out.reported.get(id) ?? { family: c.family, reason: c.reason, count: 0 };
      entry.count++;
      out.reported.set(id, entry);
    } else typed.push({ key, c });
  }
  const types = await source.types(typed.map((t) => t.key));
  for (const [i, { key, c }] of typed.entries()) {
    const type = types[i] ?? "none";
    if (type === "none") continue; // expired between SCAN and TYPE
    if (type !== c.expect) {
      out.unexpected.push({ key, type, expected: c.expect });
      continue;
    }
    switch (c.kind) {
      case "relayKey":
        out.relayKeys.push({ key, c });
        break;
      case "account":
        out.accounts.push({ key, c });
        break;
      case "group":
        out.groups.push({ key, c });
        break;
      case "groupMembers":
        out.groupMembers.push({ key, c });
        break;
      case "user":
        out.users.push({ key, c });
        break;
      case "webhook":
        out.webhooks.push({ key, c });
        break;
      case "usage":
        out.usage.push({ key, c });
        break;
      case "cost":
        out.costs.push({ key, c });
        break;
    }
  }
  return out;
}
