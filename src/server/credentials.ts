// Which upstream credentials a request runs with, next to the access policy (access.ts) that
// guards the server-held ones: a caller's own `Authorization: Basic …` is used as sent; otherwise,
// with an access policy, a bearer token it accepts unlocks the server-held credentials (until the
// token's `exp`, when subscriptions end); without a policy, anyone who reaches the port uses them.
import { FacadeError } from '../errors.ts';
import { parseBasicAuthorization, type Credentials } from '../upstream/credentials.ts';
import { bearerVerifier, hasAccessPolicy, type AccessPolicy } from './access.ts';
import type { CredentialExpiry } from './credential-expiry.ts';

export type RequestCredentials = { credentials: Credentials | null } & CredentialExpiry;

function unauthenticated(message: string): FacadeError {
  return new FacadeError('UNAUTHENTICATED', message, { extensions: { http: { status: 401 } } });
}

/** Returns credentialsFor(request): the request's credentials, and when they expire; rejects with UNAUTHENTICATED. */
export function credentialsResolver(
  serverCredentials: Credentials | null,
  access: AccessPolicy | undefined,
): (request: Request) => Promise<RequestCredentials> {
  const verifyBearer = access && hasAccessPolicy(access) ? bearerVerifier(access) : undefined;
  return async function credentialsFor(request) {
    const header = request.headers.get('authorization');
    const own = parseBasicAuthorization(header);
    if (own === null) throw unauthenticated('The Authorization header is not valid HTTP Basic credentials.');
    if (own) return { credentials: own };
    if (verifyBearer) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
      const grant = bearer ? await verifyBearer(bearer) : null;
      if (!grant) {
        throw unauthenticated('Send `Authorization: Bearer <token>` (or your own Basic credentials for the Conversations API).');
      }
      return { credentials: serverCredentials, credentialsExpireAt: grant.expiresAt };
    }
    return { credentials: serverCredentials };
  };
}
