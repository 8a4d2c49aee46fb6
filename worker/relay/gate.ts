// Step 2: the KeyGate Durable Object of the key decides whether the request may start (one RPC),
// and is told when it ends (in waitUntil, off the client's path).
import type { AdmitRequest, Denial, Lease, SettledUsage } from "../../durable-objects/key-gate/index.ts";
import type { Env, Services } from "../env.ts";
import { RelayError } from "../http/errors.ts";
import type { RelayKeyRecord } from "../keyspace/records/relay-keys.ts";

export interface Admission {
  lease: Lease | null;
  /** Ends the request at the gate: frees the lease, stores its usage durably. Safe to call twice. */
  settle(record: SettledUsage): Promise<void>;
  /** Keeps the lease alive while a long response is still streaming. */
  keepAlive(done: Promise<unknown>): Promise<void>;
}

const SETTLE_ATTEMPTS = 3;

export function gateOf(env: Env, keyId: string) {
  return env.KEY_GATE.getByName(keyId);
}

function refusal(denial: Denial): RelayError {
  const headers: Record<string, string> = {};
  if (denial.retryAfterSeconds !== undefined) headers["retry-after"] = String(denial.retryAfterSeconds);
  return new RelayError(denial.kind, denial.message, { code: denial.code, headers });
}

export async function admit(
  env: Env,
  services: Services,
  key: RelayKeyRecord,
  request: AdmitRequest,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<Admission> {
  const gate = gateOf(env, key.id);
  let result = await gate.admit({ id: key.id, updatedAt: key.updatedAt }, request);
  if (!result.admitted && "needRecord" in result) result = await gate.admit(key, request);
  if (!result.admitted) {
    if ("needRecord" in result)
      throw new RelayError("unavailable", "The key's gate did not accept its record");
    throw refusal(result.denial);
  }
  if (result.activatedAt && key.expiry.mode === "activation") {
    // The first use starts an activation-mode key's clock; the keyspace learns it after the response.
    const activated = { ...key, expiry: { ...key.expiry, activatedAt: result.activatedAt } };
    key.expiry = activated.expiry;
    waitUntil(services.keyspace.putRelayKey(activated).catch(() => {}));
  }
  const lease = result.lease;
  const windowStart = result.windowStart;
  let settled = false;
  return {
    lease,
    async settle(record) {
      if (settled) return;
      settled = true;
      // A settle with no answer is sent again: the gate counts each request id once.
      for (let attempt = 1; ; attempt++) {
        try {
          await gateOf(env, key.id).settle({
            // Served from the Azure pool: its cap counts it (Bedrock is told by the settle itself).
            record:
              request.pool === "azure-openai" && !record.costPlatform
                ? { ...record, costPlatform: "azure-openai" }
                : record,
            leaseId: lease?.id ?? null,
            windowStart,
          });
          return;
        } catch (error) {
          if (attempt >= SETTLE_ATTEMPTS) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    },
    async keepAlive(done) {
      if (!lease) return;
      // Most requests end long before a lease needs renewing: one timer, cleared at the end.
      const everyMs = Math.max(1_000, (services.config.LEASE_TTL_SECONDS * 1000) / 3);
      let timer: ReturnType<typeof setTimeout> | undefined;
      let finished = false;
      const renewLoop = new Promise<void>((resolve) => {
        const tick = () => {
          if (finished || settled) return resolve();
          void gate.renew(lease.id).catch(() => {});
          timer = setTimeout(tick, everyMs);
        };
        timer = setTimeout(tick, everyMs);
        void done.finally(() => {
          finished = true;
          clearTimeout(timer);
          resolve();
        });
      });
      await renewLoop;
    },
  };
}
