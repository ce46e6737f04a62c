// An API client that authenticates with the node credential in a --cert-dir
// (foundation/cert-dir.ts) and follows it: when the file changes (the agent rotated it),
// the client presents the new certificate from its next request on, without a restart.
// The file is checked by stat at most every intervalMs (no watcher to leak); a file that
// does not parse keeps the previous credential and is logged.

import fs from 'node:fs';
import { credentialPath, readCredential, type NodeCredential } from '../foundation/cert-dir.js';
import type { Logger } from '../foundation/logger.js';

export interface CertificateHolder {
  setClientCertificate(cert: string | Buffer, key: string | Buffer): void;
}

export interface CertDirFollower {
  /** The credential in use. */
  current(): NodeCredential;
  /** Look at the file now; true when a new credential was taken. */
  reload(): boolean;
  stop(): void;
}

const signature = (st: fs.Stats) => `${st.mtimeMs}:${st.size}:${st.ino}`;

/** Reads the credential now (throws when there is none) and follows the file every intervalMs. */
export function followCertDir(client: CertificateHolder, dir: string, logger: Logger, intervalMs = 10_000): CertDirFollower {
  const file = credentialPath(dir);
  const first = readCredential(dir);
  if (!first) throw new Error(`no node credential in ${dir} (${file}): start the agent with --bootstrap-token first, or pass --token-file`);
  let cred = first;
  let seen = signature(fs.statSync(file));
  client.setClientCertificate(cred.certPem, cred.keyPem);
  const reload = (): boolean => {
    let sig: string;
    try {
      sig = signature(fs.statSync(file));
    } catch {
      return false;
    }
    if (sig === seen) return false;
    seen = sig;
    try {
      const next = readCredential(dir);
      if (!next) return false;
      cred = next;
      client.setClientCertificate(cred.certPem, cred.keyPem);
      logger.info({ file, notAfter: new Date(cred.notAfterMs).toISOString() }, 'node client certificate reloaded');
      return true;
    } catch (err) {
      logger.error({ file, err }, 'node credential file is broken; keeping the previous certificate');
      return false;
    }
  };
  const timer = setInterval(reload, intervalMs);
  timer.unref();
  return { current: () => cred, reload, stop: () => clearInterval(timer) };
}
