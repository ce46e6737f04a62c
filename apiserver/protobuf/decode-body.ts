// A Kubernetes protobuf request body (`application/vnd.kubernetes.protobuf`) turned into
// the object a JSON body would have carried. The wire format: the 4 bytes `k8s\0`, then a
// runtime.Unknown { typeMeta { apiVersion, kind }, raw, contentEncoding, contentType }
// whose `raw` is the object's own message (without apiVersion/kind, which typeMeta holds).
// Every failure is a 400 naming what is wrong, or a 415 for a kind orch has no schema for.

import protobuf from 'protobufjs';
import { ApiError, errors } from '../../api/errors.js';
import { envelopeType, messageFor, protobufKinds } from './schemas.js';
import { ProtobufError, readMessage } from './to-json.js';

export const PROTOBUF_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

interface Envelope {
  typeMeta?: { apiVersion?: string; kind?: string };
  raw?: Uint8Array;
  contentEncoding?: string;
  contentType?: string;
}

function bad(message: string): ApiError {
  return errors.badRequest(`invalid protobuf request body: ${message}`);
}

/** The failure of a read as a 400 (the reader's own RangeErrors mean the data ended early). */
function readFailure(err: unknown, what: string): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ProtobufError) return bad(err.message);
  if (err instanceof RangeError) return bad(`${what} is truncated or malformed (${err.message})`);
  return bad(`${what} does not decode (${(err as Error).message})`);
}

export function decodeProtobufBody(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC))
    throw bad('it does not start with the 4-byte prefix "k8s\\0" of a Kubernetes protobuf object');
  let env: Envelope;
  try {
    // A plain Uint8Array, not a Buffer: protobufjs' Buffer reader cuts strings that run
    // past the end short instead of failing.
    const bytes = new Uint8Array(body.buffer, body.byteOffset + MAGIC.length, body.length - MAGIC.length);
    env = envelopeType().decode(bytes) as unknown as Envelope;
  } catch (err) {
    throw readFailure(err, 'the runtime.Unknown envelope');
  }
  const apiVersion = env.typeMeta?.apiVersion ?? '';
  const kind = env.typeMeta?.kind ?? '';
  if (kind === '') throw bad('the envelope names no kind (typeMeta.kind)');
  if (env.contentEncoding) throw errors.unsupportedMediaType(`${PROTOBUF_TYPE} with contentEncoding ${env.contentEncoding}`, [PROTOBUF_TYPE]);
  if (env.contentType && env.contentType !== PROTOBUF_TYPE) throw bad(`the envelope's contentType ${env.contentType} is not ${PROTOBUF_TYPE}`);
  const type = messageFor(apiVersion, kind);
  if (!type)
    throw errors.unsupportedMediaType(
      `${PROTOBUF_TYPE} (orch has no protobuf schema for ${apiVersion || '(no apiVersion)'} ${kind}; send it as JSON)`,
      [`application/json`, `${PROTOBUF_TYPE} for ${protobufKinds().join(', ')}`],
    );
  let obj: unknown;
  try {
    obj = readMessage(protobuf.Reader.create(env.raw ?? new Uint8Array(0)), type);
  } catch (err) {
    throw readFailure(err, `the ${kind}`);
  }
  // apiVersion and kind first, as in a JSON object.
  return { apiVersion, kind, ...(obj as Record<string, unknown>) };
}
