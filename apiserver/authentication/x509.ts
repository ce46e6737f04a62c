// x509 client-certificate authentication (Kubernetes' --client-ca-file): a certificate
// the TLS handshake verified against the client CA authenticates as CN = user name and
// O = groups, as Kubernetes' CommonNameUserConversion. Node's TLS server does the chain and
// validity check itself (requestCert with rejectUnauthorized false, so a client without
// a certificate still reaches the token authenticators); here only a socket whose peer
// certificate was verified (`authorized`) counts. A certificate from another CA, or an
// expired one, authenticates nobody: the request falls through to the bearer token, and
// without one it is a 401 — never a rejected handshake, so kubectl gets a Status.
// A certificate must allow client authentication (extended key usage clientAuth, or no
// extended key usage at all, as Go's x509 verification with ExtKeyUsageClientAuth).

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from '../../foundation/token-auth.js';

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

function isTls(socket: Socket | TLSSocket): socket is TLSSocket {
  return typeof (socket as TLSSocket).getPeerCertificate === 'function';
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The user of a verified client certificate on this connection, or undefined. */
export function x509User(socket: Socket | TLSSocket | undefined): UserInfo | undefined {
  if (!socket || !isTls(socket) || !socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return undefined;
  const usages = cert.ext_key_usage;
  if (usages && usages.length > 0 && !usages.includes(CLIENT_AUTH_OID)) return undefined;
  const cn = list(cert.subject.CN)[0];
  if (!cn) return undefined;
  return { name: cn, groups: list(cert.subject.O) };
}
