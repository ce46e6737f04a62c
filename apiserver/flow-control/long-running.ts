// Long-running requests (watches and pod log streams) hold no seat: they would keep one
// for up to an hour while doing almost nothing. They are bounded on their own instead:
// at most `total` open at once, and at most `perUser` for one user, so one client
// opening watches in a loop cannot take the server's sockets and memory from the others.

export type LongRunningRejection = { reason: 'total' | 'per-user'; message: string };

export class LongRunningLimiter {
  private open = 0;
  private readonly byUser = new Map<string, number>();

  constructor(readonly limits: { total: number; perUser: number }) {}

  /** A release function, or why not. */
  acquire(user: string): (() => void) | LongRunningRejection {
    const mine = this.byUser.get(user) ?? 0;
    if (this.open >= this.limits.total)
      return { reason: 'total', message: `too many watches open on this server (limit ${this.limits.total}), please try again later` };
    if (mine >= this.limits.perUser)
      return { reason: 'per-user', message: `too many watches open for user "${user}" (limit ${this.limits.perUser}), please try again later` };
    this.open++;
    this.byUser.set(user, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
      const n = (this.byUser.get(user) ?? 1) - 1;
      if (n > 0) this.byUser.set(user, n);
      else this.byUser.delete(user);
    };
  }

  get size(): number {
    return this.open;
  }

  openFor(user: string): number {
    return this.byUser.get(user) ?? 0;
  }
}
