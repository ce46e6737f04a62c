// Everything a bench starts registers how to stop it here; run.ts runs the stack in
// reverse on completion, on error and on SIGINT/SIGTERM, so no etcd or apiserver outlives
// a bench (a leftover would skew the next run and hold ports).

type StopFn = () => Promise<void> | void;

export class Cleanup {
  private readonly stack: Array<{ what: string; stop: StopFn }> = [];

  add(what: string, stop: StopFn): void {
    this.stack.push({ what, stop });
  }

  async runAll(log: (line: string) => void = () => {}): Promise<void> {
    while (this.stack.length > 0) {
      const { what, stop } = this.stack.pop()!;
      try {
        await stop();
      } catch (err) {
        log(`cleanup: stopping ${what} failed: ${(err as Error).message}`);
      }
    }
  }
}
