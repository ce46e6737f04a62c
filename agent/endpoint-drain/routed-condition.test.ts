// The orch.io/ProxiesRouted condition, pure.

import { describe, expect, it } from 'vitest';
import type { PodCondition } from '../../api/types.js';
import { routedCondition } from './routed-condition.js';

const ready = (s: 'True' | 'False'): PodCondition => ({ type: 'Ready', status: s });
const routed = (s: 'True' | 'False'): PodCondition => ({ type: 'orch.io/ProxiesRouted', status: s });

describe('ProxiesRouted condition', () => {
  it('False in the update that first sets Ready=True, when a Service selects the pod', () => {
    expect(routedCondition({ state: 'waiting', selected: true }, [ready('False')], [ready('True')])).toMatchObject({ status: 'False', reason: 'WaitingForProxies' });
    expect(routedCondition({ state: 'waiting', selected: false }, [ready('False')], [ready('True')])).toBeUndefined();
    // Ready before (an agent upgrade, a pod older than the protocol): nothing added.
    expect(routedCondition({ state: 'waiting', selected: true }, [ready('True')], [ready('True')])).toBeUndefined();
  });

  it('True (Routed, or Timeout with the message) once the gate is done; nothing while waiting or not ready', () => {
    expect(routedCondition({ state: 'routed', selected: true }, [ready('True'), routed('False')], [ready('True'), routed('False')])).toMatchObject({ status: 'True', reason: 'Routed' });
    expect(routedCondition({ state: 'timeout', selected: true, message: 'after 5s: proxy on n2 did not confirm revision 9' }, [ready('True'), routed('False')], [ready('True')])).toEqual({
      type: 'orch.io/ProxiesRouted',
      status: 'True',
      reason: 'Timeout',
      message: 'after 5s: proxy on n2 did not confirm revision 9',
    });
    expect(routedCondition({ state: 'waiting', selected: true }, [ready('True'), routed('False')], [ready('True')])).toBeUndefined();
    expect(routedCondition({ state: 'routed', selected: true }, [ready('True'), routed('False')], [ready('False')])).toBeUndefined();
  });

  it('Ready again after a flap: False again', () => {
    expect(routedCondition({ state: 'routed', selected: true }, [ready('False'), routed('True')], [ready('True')])).toMatchObject({ status: 'False' });
  });

  it('protocol off: nothing written, except a False left from before turns True', () => {
    expect(routedCondition({ state: 'off' }, [ready('False')], [ready('True')])).toBeUndefined();
    expect(routedCondition({ state: 'off' }, [ready('True'), routed('False')], [ready('True')])).toMatchObject({ status: 'True', reason: 'Disabled' });
  });
});
