// kubectl's boolean flags that default to true take `--flag=false` (Go's pflag); commander
// reads `--wait=false` as an optional value, which this turns into a boolean.

import { InvalidArgumentError } from 'commander';

export function parseBoolFlag(v: string): boolean {
  if (v === 'true' || v === '') return true;
  if (v === 'false') return false;
  throw new InvalidArgumentError(`expected true or false (write --flag=false), got "${v}"`);
}
