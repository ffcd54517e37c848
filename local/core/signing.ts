import type { IncomingHttpHeaders } from 'node:http';

export interface SigningInfo {
  accessKeyId: string;
  region: string;
  service: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

/**
 * The SigV4 credential scope tells us who is calling and where, exactly as AWS routes it.
 * Signatures are not verified: any secret works against the stand-in.
 */
export function readSigning(headers: IncomingHttpHeaders): SigningInfo | undefined {
  const auth = headers.authorization;
  if (typeof auth !== 'string') return undefined;
  const match = CREDENTIAL.exec(auth);
  if (!match) return undefined;
  const [, accessKeyId, region, service] = match;
  if (accessKeyId === undefined || region === undefined || service === undefined) return undefined;
  return { accessKeyId, region, service };
}
