// spec.dnsPolicy and spec.dnsConfig, with Kubernetes' rules and messages
// (ValidatePodSpec → validateDNSPolicy, validatePodDNSConfig): what the agent writes into
// the pod's resolv.conf must be something a resolver reads.

import type { StatusCause } from '../errors.js';
import { parseIp } from '../net/cidr.js';
import { enumField } from './container.js';
import { arrayField, fe, objField, strField, type Obj } from './field-errors.js';
import { isDns1123Subdomain } from './names.js';

export const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] as const;
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;

export function validatePodDns(spec: Obj, field: string, out: StatusCause[]): void {
  enumField(spec.dnsPolicy, `${field}.dnsPolicy`, DNS_POLICIES, out);
  const none = spec.dnsPolicy === 'None';
  const f = `${field}.dnsConfig`;
  const cfg = objField(spec.dnsConfig, f, out);
  if (!cfg) {
    if (none && (spec.dnsConfig === undefined || spec.dnsConfig === null)) out.push(fe.required(f, 'must provide `dnsConfig` when `dnsPolicy` is None'));
    return;
  }
  const servers = arrayField(cfg.nameservers, `${f}.nameservers`, out) ?? [];
  if (none && servers.length === 0) out.push(fe.required(`${f}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  if (servers.length > MAX_NAMESERVERS) out.push(fe.invalid(`${f}.nameservers`, servers, `must not have more than ${MAX_NAMESERVERS} nameservers`));
  servers.forEach((s, i) => {
    const v = strField(s, `${f}.nameservers[${i}]`, out);
    if (v !== undefined && !parseIp(v)) out.push(fe.invalid(`${f}.nameservers[${i}]`, v, 'must be a valid IP address'));
  });
  const searches = arrayField(cfg.searches, `${f}.searches`, out) ?? [];
  if (searches.length > MAX_SEARCHES) out.push(fe.invalid(`${f}.searches`, searches, `must not have more than ${MAX_SEARCHES} search paths`));
  const chars = searches.filter((s) => typeof s === 'string').join(' ').length;
  if (chars > MAX_SEARCH_CHARS) out.push(fe.invalid(`${f}.searches`, searches, `must not have more than ${MAX_SEARCH_CHARS} characters (including spaces) in the search list`));
  searches.forEach((s, i) => {
    const v = strField(s, `${f}.searches[${i}]`, out);
    if (v === undefined || v === '.') return;
    // A trailing dot (a fully qualified name) is allowed, as in Kubernetes.
    for (const e of isDns1123Subdomain(v.replace(/\.$/, ''))) out.push(fe.invalid(`${f}.searches[${i}]`, v, e));
  });
  arrayField(cfg.options, `${f}.options`, out)?.forEach((o, i) => {
    const opt = objField(o, `${f}.options[${i}]`, out);
    if (!opt) return;
    const name = strField(opt.name, `${f}.options[${i}].name`, out);
    if (!name) out.push(fe.required(`${f}.options[${i}].name`, 'Option.Name must not be empty'));
    else if (/[\s:]/.test(name)) out.push(fe.invalid(`${f}.options[${i}].name`, name, 'must not contain whitespace or ":"'));
    const value = strField(opt.value, `${f}.options[${i}].value`, out);
    if (value !== undefined && /\s/.test(value)) out.push(fe.invalid(`${f}.options[${i}].value`, value, 'must not contain whitespace'));
  });
}
