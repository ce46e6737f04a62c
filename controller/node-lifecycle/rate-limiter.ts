// Token bucket for node evictions (Kubernetes' --node-eviction-rate). One token lets the
// controller start evicting the pods of one node.

export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private ratePerSec: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  setRate(ratePerSec: number, now: number): void {
    this.refill(now);
    this.ratePerSec = ratePerSec;
  }

  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(now: number): void {
    const dt = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + dt * this.ratePerSec);
  }
}
