// The readiness probe behind /ready: one cheap upstream read (a one-item conversation list), so a
// load balancer stops sending traffic when the upstream is unreachable. With server-held credentials
// the list must succeed. Without them there is no credential to read with, yet an unreachable
// upstream must still make the service unready: the probe then asks without credentials, and a 401
// or 403 counts as ready (the upstream is there and answering); a refused connection, a 5xx, a
// timeout or an open breaker does not.
import { conversationsApi } from '../upstream/api.ts';
import type { UpstreamClient } from '../upstream/client.ts';
import type { Credentials } from '../upstream/credentials.ts';
import { UpstreamError } from '../upstream/errors.ts';
import type { ReadinessProbe } from './endpoints.ts';

const PROBE_TIMEOUT_MS = 3000;

/** No credentials at all: the request goes out with an empty Authorization header, which any upstream refuses. */
const ANONYMOUS: Credentials = { username: '', password: '', key: 'anonymous-readiness-probe', authorization: '' };

export function upstreamProbe(upstream: UpstreamClient, serverCredentials: Credentials | null): ReadinessProbe {
  return async () => {
    const api = conversationsApi(upstream, {
      credentials: serverCredentials ?? ANONYMOUS,
      deadline: Date.now() + PROBE_TIMEOUT_MS,
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    try {
      await api.listConversations({ pageSize: 1, pageToken: null });
    } catch (error) {
      const refusedUs = error instanceof UpstreamError && (error.status === 401 || error.status === 403);
      if (serverCredentials === null && refusedUs) return;
      throw error;
    }
  };
}
