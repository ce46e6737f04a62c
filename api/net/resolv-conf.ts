// resolv.conf(5), the parts orch reads and writes: nameservers, the search list and options.
// The cluster DNS server reads the host's file to know where to forward names outside the
// cluster domain; the agent reads it for the host's search domains (ClusterFirst appends
// them, as the kubelet does) and writes each pod's file.

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  /** In file order; `ndots:5` is { name: 'ndots', value: '5' }. */
  options: { name: string; value?: string }[];
}

/** Lenient, as the libc resolver is: unknown lines and comments are skipped; the last search/domain line wins. */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.searches = rest.filter((s) => s !== '.');
    else if (key === 'options') {
      for (const o of rest) {
        const i = o.indexOf(':');
        out.options.push(i < 0 ? { name: o } : { name: o.slice(0, i), value: o.slice(i + 1) });
      }
    }
  }
  return out;
}

export function formatResolvConf(c: ResolvConf): string {
  const lines: string[] = [];
  if (c.searches.length) lines.push(`search ${c.searches.join(' ')}`);
  for (const n of c.nameservers) lines.push(`nameserver ${n}`);
  if (c.options.length) lines.push(`options ${c.options.map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`)).join(' ')}`);
  return lines.join('\n') + '\n';
}
