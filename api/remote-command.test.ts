import { describe, expect, it } from 'vitest';
import { V1, V3, V4, V5, errorChannelMessage, exitStatus, frame, offeredProtocols, parseFrame, parseResize, pickProtocol, supportsClose, supportsResize } from './remote-command.js';

describe('subprotocol choice', () => {
  it("takes the client's first served protocol, v1 when none is offered, nothing for unknown ones", () => {
    expect(pickProtocol([V5, V4, V3])).toBe(V5);
    expect(pickProtocol(['base64.channel.k8s.io', V4, V5])).toBe(V4);
    expect(pickProtocol([])).toBe(V1);
    expect(pickProtocol(['base64.channel.k8s.io', 'v6.channel.k8s.io'])).toBeUndefined();
  });

  it('reads a comma-separated (or repeated) Sec-WebSocket-Protocol header', () => {
    expect(offeredProtocols('v5.channel.k8s.io, v4.channel.k8s.io')).toEqual([V5, V4]);
    expect(offeredProtocols(['v5.channel.k8s.io', ' channel.k8s.io '])).toEqual([V5, V1]);
    expect(offeredProtocols(undefined)).toEqual([]);
  });

  it('only v5 can close a stream; resize came with v3', () => {
    expect(([V5, V4, V3, V1] as const).map((p) => supportsClose(p))).toEqual([true, false, false, false]);
    expect(([V5, V4, V3, V1] as const).map((p) => supportsResize(p))).toEqual([true, true, true, false]);
  });
});

describe('framing', () => {
  it('one channel byte, then the bytes as they are', () => {
    expect([...frame(1, Buffer.from([0, 255, 10]))]).toEqual([1, 0, 255, 10]);
    expect(frame(3, 'é').equals(Buffer.from([3, 0xc3, 0xa9]))).toBe(true);
    expect(frame(2, Buffer.alloc(0))).toEqual(Buffer.from([2]));
  });

  it('parses back; an empty message is no frame', () => {
    expect(parseFrame(Buffer.from([255, 0]))).toEqual({ channel: 255, data: Buffer.from([0]) });
    expect(parseFrame(Buffer.from([4]))).toEqual({ channel: 4, data: Buffer.alloc(0) });
    expect(parseFrame(Buffer.alloc(0))).toBeUndefined();
  });

  it('resize messages: Width and Height as whole numbers, anything else ignored', () => {
    expect(parseResize(Buffer.from('{"Width":120,"Height":40}'))).toEqual({ width: 120, height: 40 });
    for (const bad of ['{"Width":-1,"Height":40}', '{"Width":"80","Height":24}', '{"width":80,"height":24}', 'null', '[1,2]', '{', '{"Width":1.5,"Height":2}', '{"Width":70000,"Height":2}']) {
      expect(parseResize(Buffer.from(bad))).toBeUndefined();
    }
  });
});

describe('the error channel', () => {
  it('success is a Success Status; a non-zero exit is NonZeroExitCode with the code as an ExitCode cause', () => {
    expect(exitStatus(0, ['true'])).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
    expect(exitStatus(3, ['sh', '-c', 'exit 3'])).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('v4+ carry the Status as JSON; older protocols only a failure message', () => {
    const failed = exitStatus(7, ['x']);
    expect(JSON.parse(errorChannelMessage(V4, failed)!)).toEqual(failed);
    expect(JSON.parse(errorChannelMessage(V5, exitStatus(0, ['x']))!).status).toBe('Success');
    expect(errorChannelMessage(V3, failed)).toBe(failed.message);
    expect(errorChannelMessage(V1, exitStatus(0, ['x']))).toBeUndefined();
  });
});
