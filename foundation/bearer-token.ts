// The token of an `Authorization: Bearer TOKEN` header (RFC 6750 §2.1), for every server in
// orch (the apiserver and the agents' log endpoint). The scheme name is case-insensitive
// (RFC 7235 §2.1: "bearer x" and "BEARER x" are the same credential); scheme and token are
// separated by spaces or tabs only, and the token is one word.

export function bearerToken(header: string | string[] | undefined): string | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  if (!h) return undefined;
  const m = /^[ \t]*bearer[ \t]+([^\s]+)[ \t]*$/i.exec(h);
  return m ? m[1] : undefined;
}
