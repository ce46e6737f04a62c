import { describe, expect, it } from 'vitest';
import { parsePortSpec } from './target.js';

describe('parsePortSpec', () => {
  it.each([
    ['8080:80', { local: 8080, remote: '80' }],
    ['80', { local: 80, remote: '80' }],
    [':80', { local: 0, remote: '80' }],
    ['0:80', { local: 0, remote: '80' }],
    ['8080:http', { local: 8080, remote: 'http' }],
  ])('%s', (arg, want) => expect(parsePortSpec(arg)).toEqual(want));

  it.each([
    ['http', /a named remote port needs a local port/],
    ['8080:', /expected \[LOCAL:\]REMOTE/],
    ['1:2:3', /expected \[LOCAL:\]REMOTE/],
    ['8080:0', /must be 1-65535/],
    ['70000:80', /local port "70000" is not a port number/],
    ['x:80', /local port "x" is not a port number/],
    ['80:99999', /remote port "99999" is not a port number/],
  ])('refuses %s', (arg, msg) => expect(() => parsePortSpec(arg)).toThrow(msg));
});
