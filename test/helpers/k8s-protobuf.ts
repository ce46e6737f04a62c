// Kubernetes protobuf bodies for tests, encoded with the apiserver's own schemas and
// protobufjs: the `k8s\0` prefix, then a runtime.Unknown carrying the object's message.
// Objects are given as protobufjs plain objects (Time as { seconds, nanos }, IntOrString as
// { type, intVal, strVal }, bytes as Buffers), so tests choose exactly what goes on the wire.

import { envelopeType, schemaRoot } from '../../apiserver/protobuf/schemas.js';

const MAGIC = Buffer.from('k8s\0', 'latin1');

/** The bytes of one message of the named type (full protobuf name). */
export function encodeMessage(typeName: string, value: Record<string, unknown>): Uint8Array {
  const type = schemaRoot().lookupType(typeName);
  return type.encode(type.fromObject(value)).finish();
}

/** A whole request body: prefix + envelope around `raw` (or the encoded `value`). */
export function protobufBody(apiVersion: string, kind: string, raw: Uint8Array, extra: { contentEncoding?: string; contentType?: string } = {}): Buffer {
  const env = envelopeType();
  const bytes = env.encode(env.fromObject({ typeMeta: { apiVersion, kind }, raw, ...extra })).finish();
  return Buffer.concat([MAGIC, bytes]);
}
