// Pods the scheduler has placed but the informer has not yet shown as bound. Without
// this, two pods scheduled back to back would both see the node's old free resources
// and could double-book it. An assumed pod stays until the informer confirms the
// binding, the binding fails (forget), or — once its binding request has finished —
// a TTL passes without the informer ever showing it (e.g. the pod was deleted and we
// missed it): then it expires so the node's resources are not lost forever.

export interface AssumedPod {
  nodeName: string;
  uid: string | undefined;
  /** Set when the binding request finished; the pod expires at this time if still unconfirmed. */
  expiresAt?: number;
}

export const DEFAULT_ASSUME_TTL_MS = 30_000;

export class AssumeCache {
  private readonly pods = new Map<string, AssumedPod>();

  constructor(private readonly ttlMs = DEFAULT_ASSUME_TTL_MS) {}

  assume(key: string, nodeName: string, uid: string | undefined): void {
    this.pods.set(key, { nodeName, uid });
  }

  get(key: string): AssumedPod | undefined {
    return this.pods.get(key);
  }

  has(key: string): boolean {
    return this.pods.has(key);
  }

  /** The binding request succeeded; start the expiry clock. */
  finishBinding(key: string, now: number): void {
    const a = this.pods.get(key);
    if (a) a.expiresAt = now + this.ttlMs;
  }

  /** Drops the record; returns it so the caller can undo the placement. */
  remove(key: string): AssumedPod | undefined {
    const a = this.pods.get(key);
    this.pods.delete(key);
    return a;
  }

  /** Keys whose binding finished more than ttl ago and were never confirmed. */
  expired(now: number): string[] {
    const out: string[] = [];
    for (const [key, a] of this.pods) if (a.expiresAt !== undefined && a.expiresAt <= now) out.push(key);
    return out;
  }

  get size(): number {
    return this.pods.size;
  }
}
