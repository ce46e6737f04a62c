// The lazy command table of cli/main.ts: `orch NAME` loads only NAME's module, so every
// key must be the real name of the command its loader makes, and the whole program must
// list every command once, in the same order as before (help output users know).
import { describe, expect, it } from 'vitest';
import { buildProgram, EVERYDAY, LOCAL } from './main.js';

describe('orch command table', () => {
  it('every key is the name of the command it loads', async () => {
    for (const [name, load] of Object.entries({ ...EVERYDAY, ...LOCAL })) {
      const cmds = await load();
      expect(cmds.map((c) => c.name()), name).toEqual([name]);
    }
  });

  it('the whole program lists every command once; one name builds a program with just it', async () => {
    const all = (await buildProgram()).commands.map((c) => c.name());
    expect(new Set(all).size).toBe(all.length);
    expect(all.slice(0, Object.keys(EVERYDAY).length)).toEqual(Object.keys(EVERYDAY));
    for (const name of [...Object.keys(LOCAL), 'apiserver', 'agent', 'completion']) expect(all).toContain(name);
    const one = await buildProgram('apply');
    expect(one.commands.map((c) => c.name())).toEqual(['apply']);
    expect(one.commands[0]!.options.map((o) => o.long)).toContain('--namespace');
  });
});
