import { describe, expect, it } from 'vitest';
import { isConfigMapKey, isDns1123Label, isDns1123Subdomain, isEnvVarName, isLabelValue, isPortName, isQualifiedName } from './names.js';

const ok = (errs: string[]) => errs.length === 0;

describe('name syntax', () => {
  it.each<[string, (s: string) => string[], string, boolean]>([
    ['label', isDns1123Label, 'abc-1', true],
    ['label', isDns1123Label, '1abc', true],
    ['label', isDns1123Label, 'a.b', false],
    ['label', isDns1123Label, '', false],
    ['subdomain', isDns1123Subdomain, 'a.b-c.d', true],
    ['subdomain', isDns1123Subdomain, 'a..b', false],
    ['subdomain', isDns1123Subdomain, 'A.b', false],
    ['qualified', isQualifiedName, 'app', true],
    ['qualified', isQualifiedName, 'Example_App.v1', true],
    ['qualified', isQualifiedName, 'example.com/app', true],
    ['qualified', isQualifiedName, 'example.com/', false],
    ['qualified', isQualifiedName, '/app', false],
    ['qualified', isQualifiedName, '_app', false],
    ['qualified', isQualifiedName, 'EXAMPLE.com/app', false],
    ['label value', isLabelValue, '', true],
    ['label value', isLabelValue, 'v1.2_3-x', true],
    ['label value', isLabelValue, 'v1.', false],
    ['label value', isLabelValue, 'a b', false],
    ['config key', isConfigMapKey, 'app.properties', true],
    ['config key', isConfigMapKey, '.env', true],
    ['config key', isConfigMapKey, '..data', false],
    ['config key', isConfigMapKey, 'a/b', false],
    ['config key', isConfigMapKey, '', false],
    ['env', isEnvVarName, 'MY_VAR', true],
    ['env', isEnvVarName, 'my.var-1', true],
    ['env', isEnvVarName, '1VAR', false],
    ['env', isEnvVarName, 'A=B', false],
    ['env', isEnvVarName, '', false],
    ['port name', isPortName, 'http', true],
    ['port name', isPortName, 'http-2', true],
    ['port name', isPortName, '8080', false],
    ['port name', isPortName, 'a--b', false],
    ['port name', isPortName, '-http', false],
    ['port name', isPortName, 'abcdefghijklmnop', false],
  ])('%s %j → %s', (_kind, f, value, want) => {
    expect(ok(f(value))).toBe(want);
  });
});
