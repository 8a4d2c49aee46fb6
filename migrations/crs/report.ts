// What an import did (or would do): per family, what was imported, what was skipped and why,
// and which of the original's settings had no place here.

export interface Skipped {
  id: string;
  reason: string;
}

/** One value a write would change in a record or bucket that is already here. */
export interface FieldChange {
  /** The record's id, or the usage bucket ("key <id> daily <day>"). */
  id: string;
  /** Dotted path in our record ("boundAccounts.claude", "targets[<id>].url"). */
  field: string;
  /** Values as JSON; "(none)" when absent; secrets shown as "(hidden)". */
  before: string;
  after: string;
}

export interface WriteCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface FamilyReport {
  /** Records of this family in the original. */
  found: number;
  /** Valid records this import writes (apply) or would write (dry run). */
  imported: number;
  writes: WriteCounts;
  skipped: Skipped[];
  /** "field (why)" → how many imported records had a value there that we could not carry over. */
  notMapped: Record<string, number>;
  notes: string[];
  /** Every field an update changes (or would change, in a dry run), before → after. */
  changes: FieldChange[];
}

export interface ReportedFamily {
  family: string;
  count: number;
  reason: string;
  /** Ids or names, when a person will want them (groups, users, accounts of other platforms). */
  items?: string[];
}

export interface CrsImportReport {
  mode: "dry-run" | "apply";
  source: string;
  target: string;
  scannedKeys: number;
  relayKeys: FamilyReport;
  accounts: FamilyReport & { byType: Record<string, number> };
  /** Account groups and their members. */
  groups: FamilyReport;
  /** Portal users (imported without a usable password: an admin resets it here). */
  users: FamilyReport;
  /** Webhook targets: found/imported/skipped count the original's platforms; writes, the one settings record. */
  webhooks: FamilyReport;
  usage: FamilyReport;
  /** Families read and reported but not imported (runtime state, admin credentials, pricing…). */
  reported: ReportedFamily[];
  /** Index keys skipped (rebuilt here from the records). */
  indexKeys: number;
  /** Keys whose Redis type is not what their name says: skipped. */
  unexpectedTypes: { key: string; type: string; expected: string }[];
}

export function emptyFamily(): FamilyReport {
  return {
    found: 0,
    imported: 0,
    writes: { created: 0, updated: 0, unchanged: 0 },
    skipped: [],
    notMapped: {},
    notes: [],
    changes: [],
  };
}

export function countNotMapped(report: FamilyReport, labels: readonly string[]): void {
  for (const label of new Set(labels)) report.notMapped[label] = (report.notMapped[label] ?? 0) + 1;
}

/** Per family in the text report; the JSON report has every change. */
const MAX_CHANGES_SHOWN = 500;

function family(name: string, r: FamilyReport, mode: CrsImportReport["mode"], lines: string[]): void {
  const writes =
    mode === "apply"
      ? `created ${r.writes.created}, updated ${r.writes.updated}, unchanged ${r.writes.unchanged}`
      : `would create ${r.writes.created}, update ${r.writes.updated}; ${r.writes.unchanged} already equal`;
  lines.push(
    `${name.padEnd(12)} found ${r.found}, imported ${r.imported} (${writes}), skipped ${r.skipped.length}`,
  );
  for (const s of r.skipped.slice(0, 50)) lines.push(`    skipped ${s.id}: ${s.reason}`);
  if (r.skipped.length > 50) lines.push(`    … and ${r.skipped.length - 50} more skipped`);
  const notMapped = Object.entries(r.notMapped).sort(([a], [b]) => a.localeCompare(b));
  if (notMapped.length > 0) {
    lines.push("    not mapped (value dropped):");
    for (const [label, count] of notMapped) lines.push(`      ${label}: ${count}`);
  }
  for (const note of r.notes) lines.push(`    note: ${note}`);
  if (r.changes.length > 0) {
    lines.push(mode === "apply" ? "    changed:" : "    would change:");
    for (const c of r.changes.slice(0, MAX_CHANGES_SHOWN))
      lines.push(`      ${c.id}: ${c.field} ${c.before} → ${c.after}`);
    if (r.changes.length > MAX_CHANGES_SHOWN)
      lines.push(`      … and ${r.changes.length - MAX_CHANGES_SHOWN} more (--json lists them all)`);
  }
}

export function formatReport(report: CrsImportReport): string {
  const lines = [
    report.mode === "apply"
      ? "Claude Relay Service import (applied)"
      : "Claude Relay Service import (dry run: nothing written; add --apply to write)",
    `from ${report.source}  →  to ${report.target}`,
    `scanned ${report.scannedKeys} keys (${report.indexKeys} index keys skipped)`,
    "",
  ];
  family("relay keys", report.relayKeys, report.mode, lines);
  family("accounts", report.accounts, report.mode, lines);
  const byType = Object.entries(report.accounts.byType);
  if (byType.length > 0) lines.push(`    by type: ${byType.map(([t, n]) => `${t} ${n}`).join(", ")}`);
  family("groups", report.groups, report.mode, lines);
  family("users", report.users, report.mode, lines);
  family("webhooks", report.webhooks, report.mode, lines);
  family("usage", report.usage, report.mode, lines);
  if (report.reported.length > 0) {
    lines.push("", "reported, not imported:");
    for (const r of report.reported) {
      lines.push(`  ${r.family} (${r.count}): ${r.reason}`);
      for (const item of (r.items ?? []).slice(0, 50)) lines.push(`      ${item}`);
      if ((r.items?.length ?? 0) > 50) lines.push(`      … and ${(r.items?.length ?? 0) - 50} more`);
    }
  }
  if (report.unexpectedTypes.length > 0) {
    lines.push("", "skipped, unexpected Redis type:");
    for (const u of report.unexpectedTypes) lines.push(`  ${u.key}: ${u.type} (expected ${u.expected})`);
  }
  return lines.join("\n");
}
