// autocannon in a process of its own (bench/load.ts starts it when wrk is not installed), so the
// load generator has a core's worth of event loop to itself. argv[2]: an AutocannonSpec as JSON;
// prints one LoadResult as JSON.
import autocannon from "autocannon";
import { type AutocannonSpec, expectedMarker, type LoadResult } from "./load.ts";

const spec = JSON.parse(process.argv[2] ?? "{}") as AutocannonSpec;
const { target } = spec;
const marker = expectedMarker(target);
let incomplete = 0;
const onResponse = (status: number, body: string) => {
  if (marker && status >= 200 && status <= 299 && !body.includes(marker)) incomplete++;
};
const url = new URL(target.url);
const requests = (target.bodies ?? [undefined]).map((body) => ({
  method: body === undefined ? "GET" : "POST",
  path: url.pathname + url.search,
  headers: target.headers,
  body,
  ...(marker ? { onResponse } : {}),
}));
const result = await autocannon({
  url: target.url,
  connections: spec.connections,
  duration: spec.durationSec,
  timeout: 10,
  requests,
});
const errorDetail: Record<string, number> = {};
const add = (name: string, count: number) => {
  if (count > 0) errorDetail[name] = count;
};
add("non-2xx", result.non2xx);
add("incomplete body", incomplete);
add("socket errors", result.errors - result.timeouts);
add("timeout", result.timeouts);
const durationMs = result.duration * 1000;
const out: LoadResult = {
  tool: "autocannon",
  connections: spec.connections,
  requests: result.requests.total,
  durationMs,
  requestsPerSecond: result.requests.total / result.duration,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  meanMs: result.latency.average,
  errors: Object.values(errorDetail).reduce((a, b) => a + b, 0),
  errorDetail,
};
console.log(JSON.stringify(out));
