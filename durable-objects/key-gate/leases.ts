// Concurrency leases and the optional wait queue of one key. A lease is counted once, ends once
// (released, or reclaimed when it expires), and a waiter gets a slot in arrival order.

export interface Lease {
  id: string;
  expiresAt: number;
}

interface Waiter {
  resolve: (lease: Lease | null) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class LeaseTable {
  private readonly leases = new Map<string, number>();
  private readonly waiters: Waiter[] = [];
  private readonly ttlMs: number;

  constructor(ttlMs: number, entries: Iterable<[string, number]> = []) {
    this.ttlMs = ttlMs;
    for (const [id, expiresAt] of entries) this.leases.set(id, expiresAt);
  }

  get size(): number {
    return this.leases.size;
  }

  get queued(): number {
    return this.waiters.length;
  }

  entries(): [string, number][] {
    return [...this.leases];
  }

  earliestExpiry(): number | undefined {
    let earliest: number | undefined;
    for (const expiresAt of this.leases.values())
      if (earliest === undefined || expiresAt < earliest) earliest = expiresAt;
    return earliest;
  }

  take(now: number): Lease {
    const lease = { id: crypto.randomUUID(), expiresAt: now + this.ttlMs };
    this.leases.set(lease.id, lease.expiresAt);
    return lease;
  }

  renew(id: string, now: number): Lease | null {
    if (!this.leases.has(id)) return null;
    const lease = { id, expiresAt: now + this.ttlMs };
    this.leases.set(id, lease.expiresAt);
    return lease;
  }

  /** Ends a lease; true only the first time, so a double release never frees two slots. */
  release(id: string): boolean {
    const released = this.leases.delete(id);
    if (released) this.wakeOne();
    return released;
  }

  /** Ends every lease past its expiry (a Worker that died mid-request); returns how many. */
  reclaimExpired(now: number): number {
    let reclaimed = 0;
    for (const [id, expiresAt] of this.leases) {
      if (expiresAt <= now) {
        this.leases.delete(id);
        reclaimed++;
      }
    }
    for (let i = 0; i < reclaimed; i++) this.wakeOne();
    return reclaimed;
  }

  /**
   * Waits up to `waitMs` for a slot; resolves with a lease taken for the waiter when one frees
   * (so a later arrival cannot take it first), or null on time-out.
   */
  wait(waitMs: number): Promise<Lease | null> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          resolve(null);
        }, waitMs),
      };
      this.waiters.push(waiter);
    });
  }

  private wakeOne(): void {
    const waiter = this.waiters.shift();
    if (!waiter) return;
    clearTimeout(waiter.timer);
    waiter.resolve(this.take(Date.now()));
  }
}
