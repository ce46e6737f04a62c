// What a probe or hook handler reports. Messages follow the kubelet's wording, because
// users grep Events for them ("HTTP probe failed with statuscode: 500").

export interface HandlerResult {
  ok: boolean;
  /** Probe output or the reason of the failure (at most 10 KiB). */
  message: string;
}

/** Go's net error wording for the common socket errors, as kubelet's messages carry it. */
export function dialError(target: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${target}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${target}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${target}: connect: network is unreachable`;
    case 'ECONNRESET':
      return `read tcp ${target}: read: connection reset by peer`;
    default:
      return `dial tcp ${target}: ${err.message}`;
  }
}
