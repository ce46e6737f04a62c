// The protobuf body decoder against messages encoded with the same schemas by
// protobufjs, written the way Go's gogo-protobuf writes them: every non-pointer field on
// the wire, zero or not. The result must be the object Go's encoding/json would write.

import { describe, expect, test } from 'vitest';
import protobuf from 'protobufjs';
import { ApiError } from '../../api/errors.js';
import { encodeMessage, protobufBody } from '../../test/helpers/k8s-protobuf.js';
import { parseProtobufBody } from '../body-parsers.js';
import { decodeProtobufBody } from './decode-body.js';
import { schemaRoot } from './schemas.js';
import { readMessage } from './to-json.js';

const CORE = 'k8s.io.api.core.v1';
const APPS = 'k8s.io.api.apps.v1';
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** ObjectMeta as Go writes it for a new object: every non-pointer field present. */
const goMeta = (name: string, extra: Record<string, unknown> = {}) => ({
  name, generateName: '', namespace: '', selfLink: '', uid: '', resourceVersion: '', generation: 0, creationTimestamp: {}, ...extra,
});

function decode(apiVersion: string, kind: string, typeName: string, value: Record<string, unknown>) {
  return decodeProtobufBody(protobufBody(apiVersion, kind, encodeMessage(typeName, value)));
}

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw new Error(`not an ApiError: ${String(err)}`);
  }
  throw new Error('no error');
}

/** A raw field: tag + payload, for bytes protobufjs would not write. */
function field(id: number, wireType: number, payload: number[]): number[] {
  const tag: number[] = [];
  for (let v = (id << 3) | wireType; ; v >>>= 7) {
    if (v < 0x80) {
      tag.push(v);
      break;
    }
    tag.push((v & 0x7f) | 0x80);
  }
  return [...tag, ...payload];
}

describe('protobuf → JSON shape', () => {
  test('ConfigMap: zero strings dropped, zero time null, pointer bool kept, bytes as base64', () => {
    const obj = decode('v1', 'ConfigMap', `${CORE}.ConfigMap`, {
      metadata: goMeta('c1', { labels: { app: 'x' } }),
      data: { a: 'b', empty: '' },
      binaryData: { bin: Buffer.from([0, 1, 255]) },
      immutable: false,
    });
    expect(obj).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c1', creationTimestamp: null, labels: { app: 'x' } },
      data: { a: 'b', empty: '' },
      binaryData: { bin: 'AAH/' },
      immutable: false,
    });
  });

  test('Secret: data bytes become base64 as JSON carries them; stringData stays text', () => {
    const obj = decode('v1', 'Secret', `${CORE}.Secret`, {
      metadata: goMeta('s1'),
      data: { password: Buffer.from('hunter2') },
      stringData: { user: 'me' },
      type: 'Opaque',
    });
    expect(obj.data).toEqual({ password: Buffer.from('hunter2').toString('base64') });
    expect(obj.stringData).toEqual({ user: 'me' });
    expect(obj.type).toBe('Opaque');
    expect(obj).not.toHaveProperty('immutable'); // a pointer not sent stays absent
  });

  test('Time and MicroTime become RFC 3339 (seconds; microseconds)', () => {
    const t = Date.UTC(2024, 0, 2, 3, 4, 5) / 1000;
    const obj = decode('coordination.k8s.io/v1', 'Lease', 'k8s.io.api.coordination.v1.Lease', {
      metadata: goMeta('l1', { creationTimestamp: { seconds: t, nanos: 999_000_000 }, deletionTimestamp: { seconds: t } }),
      spec: { holderIdentity: 'me', leaseDurationSeconds: 0, renewTime: { seconds: t, nanos: 123_456_789 }, acquireTime: { seconds: t } },
    });
    expect(obj.metadata).toEqual({ name: 'l1', creationTimestamp: '2024-01-02T03:04:05Z', deletionTimestamp: '2024-01-02T03:04:05Z' });
    expect(obj.spec).toEqual({ holderIdentity: 'me', leaseDurationSeconds: 0, renewTime: '2024-01-02T03:04:05.123456Z', acquireTime: '2024-01-02T03:04:05.000000Z' });
  });

  test('IntOrString: number or string; a zero non-pointer one is unset, a pointer one keeps 0', () => {
    const svc = decode('v1', 'Service', `${CORE}.Service`, {
      metadata: goMeta('s'),
      spec: {
        ports: [
          { name: 'a', protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 8080, strVal: '' }, nodePort: 0 },
          { name: 'b', protocol: 'TCP', port: 81, targetPort: { type: 1, intVal: 0, strVal: 'http' }, nodePort: 0 },
          { name: 'c', protocol: 'TCP', port: 82, targetPort: { type: 0, intVal: 0, strVal: '' }, nodePort: 0 },
        ],
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    });
    const spec = svc.spec as { ports: Record<string, unknown>[] };
    expect(spec.ports).toEqual([
      { name: 'a', protocol: 'TCP', port: 80, targetPort: 8080 },
      { name: 'b', protocol: 'TCP', port: 81, targetPort: 'http' },
      { name: 'c', protocol: 'TCP', port: 82 },
    ]);
    expect(svc.status).toEqual({ loadBalancer: {} });
    const d = decode('apps/v1', 'Deployment', `${APPS}.Deployment`, {
      metadata: goMeta('d'),
      spec: { replicas: 0, minReadySeconds: 0, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: { type: 0, intVal: 0 }, maxUnavailable: { type: 1, strVal: '25%' } } } },
    });
    expect(d.spec).toEqual({ replicas: 0, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '25%' } } });
  });

  test('Quantity maps, inline structs (VolumeSource, ProbeHandler, LocalObjectReference), JSON names, packed int64 lists', () => {
    const pod = decode('v1', 'Pod', `${CORE}.Pod`, {
      metadata: goMeta('p'),
      spec: {
        containers: [{
          name: 'c',
          image: 'busybox',
          resources: { limits: { cpu: { string: '100m' } }, requests: { memory: { string: '64Mi' } } },
          envFrom: [{ prefix: '', configMapRef: { localObjectReference: { name: 'cfg' }, optional: false } }],
          readinessProbe: { handler: { httpGet: { path: '/', port: { type: 1, strVal: 'web' }, host: '', scheme: 'HTTP' } }, initialDelaySeconds: 0, periodSeconds: 5 },
        }],
        volumes: [{ name: 'v', volumeSource: { configMap: { localObjectReference: { name: 'cfg' }, defaultMode: 0o644 } } }],
        securityContext: { runAsUser: 0, supplementalGroups: [1000, 2000] },
      },
    });
    const spec = pod.spec as Record<string, unknown>;
    expect(spec.containers).toEqual([{
      name: 'c',
      image: 'busybox',
      resources: { limits: { cpu: '100m' }, requests: { memory: '64Mi' } },
      envFrom: [{ configMapRef: { name: 'cfg', optional: false } }],
      readinessProbe: { httpGet: { path: '/', port: 'web', scheme: 'HTTP' }, periodSeconds: 5 },
    }]);
    expect(spec.volumes).toEqual([{ name: 'v', configMap: { name: 'cfg', defaultMode: 0o644 } }]);
    // runAsUser is a pointer: 0 (root) is a value, not "unset". protobufjs packs the list.
    expect(spec.securityContext).toEqual({ runAsUser: 0, supplementalGroups: [1000, 2000] });

    const node = decode('v1', 'Node', `${CORE}.Node`, {
      metadata: goMeta('n'),
      status: { daemonEndpoints: { kubeletEndpoint: { Port: 10250 } }, capacity: { pods: { string: '110' } }, images: [{ names: ['a'], sizeBytes: 2 ** 40 }] },
    });
    expect(node.status).toEqual({ daemonEndpoints: { kubeletEndpoint: { Port: 10250 } }, capacity: { pods: '110' }, images: [{ names: ['a'], sizeBytes: 2 ** 40 }] });
  });

  test('unpacked repeated numbers are read too', () => {
    // PodSecurityContext.supplementalGroups = 4 (int64), two unpacked entries.
    const bytes = Uint8Array.from([...field(4, 0, [7]), ...field(4, 0, [9])]);
    expect(readMessage(protobuf.Reader.create(bytes), schemaRoot().lookupType(`${CORE}.PodSecurityContext`))).toEqual({ supplementalGroups: [7, 9] });
  });

  test('RawExtension and FieldsV1 carry JSON', () => {
    const raw = encodeMessage('k8s.io.apimachinery.pkg.runtime.RawExtension', { raw: Buffer.from('{"a":[1,{"b":null}]}') });
    expect(readMessage(protobuf.Reader.create(raw), schemaRoot().lookupType('k8s.io.apimachinery.pkg.runtime.RawExtension'))).toEqual({ a: [1, { b: null }] });
    const cm = decode('v1', 'ConfigMap', `${CORE}.ConfigMap`, {
      metadata: goMeta('c', { managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { Raw: Buffer.from('{"f:data":{}}') }, subresource: '' }] }),
    });
    expect((cm.metadata as { managedFields: unknown }).managedFields).toEqual([{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }]);
  });

  test('DeleteOptions under any apiVersion: gracePeriodSeconds 0 and propagationPolicy kept', () => {
    const opts = decode('v1', 'DeleteOptions', `${META}.DeleteOptions`, { gracePeriodSeconds: 0, propagationPolicy: 'Orphan', dryRun: ['All'] });
    expect(opts).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Orphan', dryRun: ['All'] });
    expect(decode('meta.k8s.io/v1', 'DeleteOptions', `${META}.DeleteOptions`, {})).toEqual({ apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions' });
  });

  test('EndpointSlice: pointer conditions keep false', () => {
    const es = decode('discovery.k8s.io/v1', 'EndpointSlice', 'k8s.io.api.discovery.v1.EndpointSlice', {
      metadata: goMeta('e'),
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: false, serving: true } }],
    });
    expect(es.endpoints).toEqual([{ addresses: ['10.0.0.1'], conditions: { ready: false, serving: true } }]);
  });

  test('an unknown field with the zero value is skipped (a newer client); with a value it is refused', () => {
    const cm = encodeMessage(`${CORE}.ConfigMap`, { metadata: goMeta('c') });
    const withZero = Uint8Array.from([...cm, ...field(99, 2, [0])]);
    expect(decodeProtobufBody(protobufBody('v1', 'ConfigMap', withZero)).metadata).toEqual({ name: 'c', creationTimestamp: null });
    // A newer client's non-pointer struct: written even when empty, its own fields zero.
    const withEmptyStruct = Uint8Array.from([...cm, ...field(98, 2, [4, ...field(1, 2, [0]), ...field(2, 0, [0])])]);
    expect(decodeProtobufBody(protobufBody('v1', 'ConfigMap', withEmptyStruct)).metadata).toEqual({ name: 'c', creationTimestamp: null });
    for (const payload of [[1, 0x41], [2, ...field(1, 2, [1, 0x41])], [1, 0x00]]) {
      const err = errorOf(() => decodeProtobufBody(protobufBody('v1', 'ConfigMap', Uint8Array.from([...cm, ...field(98, 2, payload)]))));
      expect(err.status.message, JSON.stringify(payload)).toMatch(/field 98 of k8s\.io\.api\.core\.v1\.ConfigMap is not a field orch knows/);
    }
    const withValue = Uint8Array.from([...cm, ...field(99, 0, [1])]);
    const err = errorOf(() => decodeProtobufBody(protobufBody('v1', 'ConfigMap', withValue)));
    expect(err.status.code).toBe(400);
    expect(err.status.message).toMatch(/field 99 of k8s\.io\.api\.core\.v1\.ConfigMap/);
  });
});

describe('bad protobuf bodies are 400 or 415, never anything else', () => {
  const good = protobufBody('v1', 'ConfigMap', encodeMessage(`${CORE}.ConfigMap`, { metadata: goMeta('c', { labels: { a: 'b' } }), data: { k: 'v' } }));

  test.each([
    ['no prefix', Buffer.from('{"kind":"ConfigMap"}'), 400, /4-byte prefix/],
    ['wrong prefix', Buffer.concat([Buffer.from('k9s\0'), good.subarray(4)]), 400, /4-byte prefix/],
    ['truncated object', good.subarray(0, good.length - 3), 400, /truncated/],
    ['no kind', protobufBody('v1', '', new Uint8Array()), 400, /names no kind/],
    ['kind without schema', protobufBody('networking.k8s.io/v1', 'NetworkPolicy', new Uint8Array()), 415, /no protobuf schema for networking.k8s.io\/v1 NetworkPolicy/],
    ['unknown version', protobufBody('v2', 'ConfigMap', new Uint8Array()), 415, /no protobuf schema for v2 ConfigMap/],
    ['compressed', protobufBody('v1', 'ConfigMap', new Uint8Array(), { contentEncoding: 'gzip' }), 415, /contentEncoding gzip/],
    ['wrong wire type', protobufBody('v1', 'ConfigMap', Uint8Array.from(field(1, 0, [5]))), 400, /ConfigMap\.metadata: wire type 0/],
    ['string length beyond the end', protobufBody('v1', 'ConfigMap', Uint8Array.from(field(1, 2, [3, ...field(1, 2, [100, 65])]))), 400, /truncated/],
    ['map key of the wrong wire type', protobufBody('v1', 'ConfigMap', Uint8Array.from(field(2, 2, [4, ...field(1, 0, [1]), ...field(2, 2, [0])]))), 400, /ConfigMap\.data: map key of wire type 0/],
    // PodSpec.securityContext (14) .supplementalGroups (4): a 1-byte run holding a 2-byte varint.
    ['packed run ending inside a value', protobufBody('v1', 'Pod', Uint8Array.from(field(2, 2, [6, ...field(14, 2, [4, ...field(4, 2, [1, 0x81, 0x01])])]))), 400, /supplementalGroups: truncated/],
    ['100,000 nested groups in the envelope', Buffer.concat([Buffer.from('k8s\0'), Buffer.alloc(100_000, 0x3b)]), 400, /envelope does not decode \(maximum nesting depth exceeded\)/],
    ['group wire type', protobufBody('v1', 'ConfigMap', Uint8Array.from(field(50, 3, []))), 400, /wire type 3/],
    ['truncated kind in the envelope', Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x0a, 0x05, 0x12, 0x09, 0x43, 0x6f, 0x6e])]), 400, /envelope is truncated/],
    ['time out of range', protobufBody('coordination.k8s.io/v1', 'Lease', encodeMessage('k8s.io.api.coordination.v1.Lease', { spec: { renewTime: { seconds: 9e15 } } })), 400, /out of range/],
    ['time after year 9999', protobufBody('coordination.k8s.io/v1', 'Lease', encodeMessage('k8s.io.api.coordination.v1.Lease', { spec: { renewTime: { seconds: 253402300800 } } })), 400, /out of range \(years 0-9999\)/],
  ])('%s', (_name, body, code, says) => {
    const err = errorOf(() => decodeProtobufBody(body));
    expect(err.status.code).toBe(code);
    expect(err.status.message).toMatch(says);
  });

  test('forbidden keys in maps are refused as in JSON', () => {
    const body = protobufBody('v1', 'ConfigMap', encodeMessage(`${CORE}.ConfigMap`, { metadata: goMeta('c'), data: { ['__proto__']: 'x' } }));
    const err = errorOf(() => parseProtobufBody(body));
    expect(err.status.code).toBe(400);
    expect(err.status.message).toMatch(/forbidden key at data\.__proto__/);
  });

  test('every truncation and every single-byte corruption of a valid body decodes or is a 400/415', () => {
    let refused = 0;
    for (let n = 0; n < good.length; n++) {
      try {
        decodeProtobufBody(good.subarray(0, n));
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(good.length / 2);
    for (let i = 4; i < good.length; i++) {
      for (const b of [0x00, 0x07, 0x0a, 0x7f, 0x80, 0xff]) {
        const bad = Buffer.from(good);
        bad[i] = b;
        try {
          decodeProtobufBody(bad);
        } catch (err) {
          expect(err, `byte ${i} = ${b}`).toBeInstanceOf(ApiError);
          expect([400, 415]).toContain((err as ApiError).status.code);
        }
      }
    }
  });
});
