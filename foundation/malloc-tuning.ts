// glibc malloc settings for long-running processes that hold many small objects and build
// a few large texts now and then (the service proxy's nft/iptables transactions of several
// MB). With glibc's defaults the memory of such a burst stays in the process after it is
// freed: the mmap threshold rises to the largest block freed, later large blocks come from
// the heap arena, and the arena is not trimmed. Measured on `orch proxy --proxy-mode
// nftables` at 10,000 services: RSS at rest 101–103 MB with the defaults, 92 MB with these
// (bench/results/services-sync.md). glibc reads them at process start, so they go into
// the environment the process is started with: orch up (cli/up/up.ts), the compose demo
// (deploy/docker-compose.yml) and orch-proxy.service hold the same three values.

export const MALLOC_TUNING_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '131072',
};
