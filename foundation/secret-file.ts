// Files holding secrets (keys, tokens): owner-only, written atomically.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Owner read/write only: keys and tokens are secrets. */
export const SECRET_FILE_MODE = 0o600;

/**
 * Write a secret file with mode 0600, atomically (temp file + rename), so a reader never
 * sees half a key and a crash never leaves a world-readable copy behind.
 */
export function writeSecretFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.writeFileSync(tmp, content, { mode: SECRET_FILE_MODE });
    fs.chmodSync(tmp, SECRET_FILE_MODE); // the umask may have narrowed it; make it exact
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
