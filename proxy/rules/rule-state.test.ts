// Full and partial syncs planned from memory (pure): what a change rewrites, what goes,
// and in which order the transactions come.

import { describe, expect, it } from 'vitest';
import { instanceChains } from './names.js';
import { RuleState, type Touched } from './rule-state.js';
import { servicePorts } from './service-model.js';
import { sepChain, serviceRules, svcChains } from './service-rules.js';
import { service, slice, type Ep } from '../testing/objects.js';

const c = instanceChains('a1b2c3');
const node = { name: 'n1', podCIDRs: ['10.244.1.0/24'] };
const rulesFor = (name: string, ip: string, eps: Ep[]) => serviceRules(c, node, servicePorts(service(name, ip), [slice(name, eps)], 'n1'));
const declared = (text: string) => text.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]);

function stateWith(n: number): RuleState {
  const s = new RuleState(c);
  for (let i = 0; i < n; i++) s.setService(`default/s${i}`, rulesFor(`s${i}`, `10.96.${i % 4}.${10 + i}`, [{ ip: `10.244.1.${i + 1}` }]), new Set());
  s.plan({ full: true }).commit();
  return s;
}

describe('rule state', () => {
  it('one endpoint replaced: its service chain and endpoint chains only (old one deleted last); the shared bucket and entry untouched', () => {
    const s = stateWith(8);
    const touched: Touched = new Set();
    s.setService('default/s1', rulesFor('s1', '10.96.1.11', [{ ip: '10.244.1.99' }]), touched);
    const plan = s.plan({ full: false, touched });
    expect(plan.texts).toHaveLength(1);
    const p = servicePorts(service('s1', '10.96.1.11'), [slice('s1', [{ ip: '10.244.1.99' }])], 'n1')[0]!;
    const oldSep = sepChain(c, p, { ip: '10.244.1.2', port: 8080, local: false });
    const newSep = sepChain(c, p, p.endpoints[0]!);
    expect(declared(plan.texts[0]!)).toEqual([newSep, svcChains(c, p).svc, oldSep]);
    expect(plan.texts[0]!.trim().split('\n').at(-2)).toBe(`-X ${oldSep}`);
    expect(plan).toMatchObject({ written: 2, deleted: 1 });
    plan.commit();
    expect(s.plan({ full: false, touched }).texts).toEqual([]); // nothing left to do
  });

  it('the last service of a bucket gone: the bucket chain deleted after the entry chain stops jumping to it', () => {
    const s = new RuleState(c);
    s.setService('default/a', rulesFor('a', '10.96.0.10', [{ ip: '10.244.1.5' }]), new Set());
    s.setService('default/b', rulesFor('b', '10.96.7.10', [{ ip: '10.244.1.6' }]), new Set());
    s.plan({ full: true }).commit();
    const touched: Touched = new Set();
    s.setService('default/b', undefined, touched);
    const text = s.plan({ full: false, touched }).texts.join('');
    expect(text).toContain(`-A ${c.services} -d 10.96.0.0/24 -j ${c.services}-0a6000`);
    expect(text).not.toContain('-d 10.96.7.0/24');
    expect(text.indexOf(`:${c.services} `)).toBeLessThan(text.indexOf(`-X ${c.services}-0a6007`));
  });

  it('a full sync comes in transactions of about maxLines lines: mark chains first, each service whole (endpoints before the service chain), entry chains and canary last', () => {
    const s = stateWith(40);
    const plan = s.plan({ full: true, maxLines: 50 });
    expect(plan.texts.length).toBeGreaterThan(3);
    expect(declared(plan.texts[0]!)).toContain(c.mark);
    const last = plan.texts.at(-1)!;
    expect(declared(last)).toEqual(expect.arrayContaining([c.services, c.nodePorts, c.canary]));
    for (const t of plan.texts) {
      const names = declared(t);
      for (const [i, ch] of names.entries()) if (ch!.startsWith('ORCH-SVC-')) expect(names.slice(0, i).some((x) => x!.startsWith('ORCH-SEP-'))).toBe(true);
    }
    // Every chain is declared exactly once over the transactions (the entry chain and the
    // canary have the same name in nat and filter).
    const all = plan.texts.flatMap(declared);
    expect(all.filter((x) => x!.startsWith('ORCH-SVC-'))).toHaveLength(40);
    expect(all.filter((x, i) => all.indexOf(x) !== i).sort()).toEqual([c.canary, c.services].sort());
  });

  it('a full sync after a flush deletes chains of this instance found in the kernel that nothing wants', () => {
    const s = stateWith(2);
    const text = s.plan({ full: true, existing: { nat: [`ORCH-SEP-${c.id}-STALESTALE`], filter: [] } }).texts.join('');
    expect(text).toContain(`:ORCH-SEP-${c.id}-STALESTALE - [0:0]`);
    expect(text).toContain(`-X ORCH-SEP-${c.id}-STALESTALE`);
  });
});
