// --etcd-cafile / --etcd-certfile / --etcd-keyfile: TLS to etcd with a client
// certificate, as a production etcd (--client-cert-auth) requires. The files are read
// once at start; a TLS setup that etcd refuses (wrong CA, a certificate it does not
// trust) stops the apiserver with the reason, while an etcd that is merely down still
// lets it start and wait (components.ts), as without TLS.

import fs from 'node:fs';
import type { Storage } from './types.js';

export interface EtcdTlsFlags {
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
}

export interface EtcdTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function read(flag: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${flag} ${file}: cannot read: ${(err as Error).message}`);
  }
}

/** The TLS material for etcd, or undefined for plain http:// endpoints. */
export function etcdTlsFromFlags(flags: EtcdTlsFlags, endpoints: string[]): EtcdTls | undefined {
  if (!flags.etcdCertfile !== !flags.etcdKeyfile) throw new Error('--etcd-certfile and --etcd-keyfile go together');
  const any = flags.etcdCafile || flags.etcdCertfile;
  const https = endpoints.filter((e) => e.startsWith('https://'));
  if (!any) {
    if (https.length > 0) throw new Error(`--etcd-servers ${https[0]} is https: give --etcd-cafile (and --etcd-certfile/--etcd-keyfile if etcd asks for client certificates)`);
    return undefined;
  }
  if (!flags.etcdCafile) throw new Error('--etcd-certfile needs --etcd-cafile (the CA of the etcd servers)');
  const plain = endpoints.filter((e) => !e.startsWith('https://'));
  if (plain.length > 0) throw new Error(`--etcd-cafile is given but --etcd-servers ${plain[0]} is not https://`);
  return {
    ca: read('--etcd-cafile', flags.etcdCafile),
    cert: flags.etcdCertfile ? read('--etcd-certfile', flags.etcdCertfile) : undefined,
    key: flags.etcdKeyfile ? read('--etcd-keyfile', flags.etcdKeyfile) : undefined,
  };
}

const TLS_FAILURE = /certificate|handshake|ssl|tls|self[- ]signed|unknown ca|bad certificate|alert/i;

/**
 * One read from etcd at start. A TLS failure ends the start with what went wrong;
 * etcd being unreachable does not (the apiserver waits, not ready, as without TLS).
 */
export async function checkEtcdReachable(storage: Pick<Storage, 'currentRevision'>, endpoints: string[]): Promise<void> {
  try {
    await storage.currentRevision();
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    if (TLS_FAILURE.test(msg)) {
      // grpc wraps the TLS error ("... Last error: Error: unable to verify the first certificate. ..."): keep the cause.
      const cause = /Last error: (?:Error: )?([^.]+)/.exec(msg)?.[1] ?? msg;
      throw new Error(
        `TLS to etcd (${endpoints.join(', ')}) failed: ${cause}. Check that --etcd-cafile is the CA that signed etcd's serving certificate and that etcd trusts the CA of --etcd-certfile`,
      );
    }
  }
}
