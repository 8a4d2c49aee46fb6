// `npm run bench -- --soak [MINUTES]`: c=64 through the relay for a long while (10 minutes by
// default), a minute at a time, alternating JSON and streaming: memory must stay flat, the relay
// must answer no 5xx of its own, and the key's limits must hold (a concurrency-64 key under 64
// connections is never refused). Not part of CI.
import { type LoadResult, type LoadTool, runLoad, type Target } from "./load.ts";
import { memoryOf } from "./proc.ts";

export interface SoakMinute {
  minute: number;
  stream: boolean;
  requests: number;
  requestsPerSecond: number;
  errors: number;
  errorDetail: Record<string, number>;
  errorSample?: string;
  p99Ms: number;
  rssMb: number;
}

export interface SoakResult {
  minutes: SoakMinute[];
  requests: number;
  errors: number;
  rssFirstMb: number;
  rssLastMb: number;
  rssPeakMb: number;
  /** RSS after the last minute relative to after the first: flat memory stays near 1. */
  rssGrowth: number;
  ok: boolean;
}

const SECONDS_PER_STEP = 60;
/** Memory may settle after the first minute; beyond this growth it is reported as a leak. */
const MAX_GROWTH = 1.25;

export async function runSoak(
  tool: LoadTool,
  targets: { json: Target; stream: Target },
  workerdPid: number,
  minutes: number,
  log: (line: string) => void,
): Promise<SoakResult> {
  const rows: SoakMinute[] = [];
  for (let minute = 1; minute <= minutes; minute++) {
    const stream = minute % 2 === 0;
    const load: LoadResult = await runLoad(tool, stream ? targets.stream : targets.json, {
      connections: 64,
      durationSec: SECONDS_PER_STEP,
    });
    const rssMb = memoryOf(workerdPid).rssMb;
    rows.push({
      minute,
      stream,
      requests: load.requests,
      requestsPerSecond: load.requestsPerSecond,
      errors: load.errors,
      errorDetail: load.errorDetail,
      ...(load.errorSample ? { errorSample: load.errorSample } : {}),
      p99Ms: load.p99Ms,
      rssMb,
    });
    log(
      `soak minute ${minute}/${minutes} (${stream ? "stream" : "json"}): ${load.requests} req, ` +
        `${Math.round(load.requestsPerSecond)} req/s, ${load.errors} errors, RSS ${rssMb.toFixed(0)} MB`,
    );
    if (load.errors > 0) log(`  errors: ${JSON.stringify(load.errorDetail)} ${load.errorSample ?? ""}`);
  }
  const first = rows[0]?.rssMb ?? 0;
  const last = rows.at(-1)?.rssMb ?? 0;
  const errors = rows.reduce((sum, row) => sum + row.errors, 0);
  const growth = first > 0 ? last / first : 1;
  return {
    minutes: rows,
    requests: rows.reduce((sum, row) => sum + row.requests, 0),
    errors,
    rssFirstMb: first,
    rssLastMb: last,
    rssPeakMb: Math.max(...rows.map((row) => row.rssMb)),
    rssGrowth: growth,
    ok: errors === 0 && growth <= MAX_GROWTH,
  };
}
