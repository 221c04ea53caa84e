// Who may use the server-held upstream credentials. Deployed with TWILIO_* credentials, the
// facade would otherwise open the account to anyone who can reach its port; with an access
// policy (static bearer tokens and/or JWTs), such requests must carry `Authorization: Bearer …`.
// Callers that bring their own `Authorization: Basic …` authenticate against Twilio themselves.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';

export interface AccessPolicy {
  /** Static bearer tokens (ACCESS_TOKENS). */
  tokens: string[];
  /** HMAC secret for HS256/384/512 JWTs (ACCESS_JWT_SECRET). */
  jwtSecret?: string | undefined;
  /** JWKS endpoint of an identity provider (ACCESS_JWKS_URL). */
  jwksUrl?: string | undefined;
  jwtIssuer?: string | undefined;
  jwtAudience?: string | undefined;
}

export function hasAccessPolicy(policy: AccessPolicy): boolean {
  return policy.tokens.length > 0 || Boolean(policy.jwtSecret) || Boolean(policy.jwksUrl);
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** A bearer token the policy accepts. */
export interface BearerGrant {
  /**
   * When the token stops being accepted (a JWT's `exp`), in ms since the epoch; undefined: a
   * static token, or a JWT without `exp`. Long-lived operations (subscriptions) end then.
   */
  expiresAt: number | undefined;
}

const NO_EXPIRY: BearerGrant = Object.freeze({ expiresAt: undefined });
const grantOf = (exp: number | undefined): BearerGrant => (typeof exp === 'number' ? { expiresAt: exp * 1000 } : NO_EXPIRY);

/** Returns a verifier of bearer tokens: resolves to the grant when the token is allowed, else null. */
export function bearerVerifier(policy: AccessPolicy): (token: string) => Promise<BearerGrant | null> {
  const tokenDigests = policy.tokens.map(digest);
  const secret = policy.jwtSecret ? new TextEncoder().encode(policy.jwtSecret) : undefined;
  const jwks: JWTVerifyGetKey | undefined = policy.jwksUrl ? createRemoteJWKSet(new URL(policy.jwksUrl)) : undefined;
  const claims = {
    ...(policy.jwtIssuer ? { issuer: policy.jwtIssuer } : {}),
    ...(policy.jwtAudience ? { audience: policy.jwtAudience } : {}),
  };

  return async (token) => {
    const presented = digest(token);
    // Compare against every token so the time taken does not tell which one nearly matched.
    let matched = false;
    for (const allowed of tokenDigests) matched = timingSafeEqual(presented, allowed) || matched;
    if (matched) return NO_EXPIRY;
    if (!token.includes('.')) return null;
    try {
      if (secret) {
        const { payload } = await jwtVerify(token, secret, { ...claims, algorithms: ['HS256', 'HS384', 'HS512'] });
        return grantOf(payload.exp);
      }
    } catch {
      // Not signed with the secret: it may still verify against the JWKS.
    }
    if (!jwks) return null;
    try {
      const { payload } = await jwtVerify(token, jwks, claims);
      return grantOf(payload.exp);
    } catch {
      return null;
    }
  };
}
