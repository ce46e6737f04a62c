// The version of this orch build, read once from package.json.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function readVersion(): string {
  // dist/cli/version-info.js and cli/version-info.ts both sit two levels below the root.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version?: string }).version ?? '0.0.0';
      } catch {
        break;
      }
    }
    dir = path.dirname(dir);
  }
  return '0.0.0';
}

export const ORCH_VERSION = `v${readVersion()}`;
