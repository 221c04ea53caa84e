// A small HTTP control surface under /__emulator/ for when the emulator runs alone (npm run emulator):
// the request log, faults, a reset and webhook deliveries (webhook-control.ts), for scripts and manual
// testing. No auth, so loopback callers only. In-process tests use the same objects directly
// (Emulator.requests / faults / data / webhooks).
import { ApiError } from './errors.ts';
import type { Faults, ScriptedFault } from './faults.ts';
import { errorReply, jsonReply, type HttpReply } from './reply.ts';
import type { RequestRecorder } from './request-log.ts';
import { handleWebhookControl } from './webhook-control.ts';
import type { WebhookController } from './webhooks.ts';

export interface ControlRequest {
  method: string;
  path: string;
  body: string;
  remoteAddress: string | undefined;
}

interface ControlDeps {
  requests: RequestRecorder;
  faults: Faults;
  reset(): void;
  /** /__emulator/webhooks… (webhook-control.ts). */
  webhooks?: WebhookController;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const NO_CONTENT: HttpReply = { status: 204, headers: {}, body: '' };

/** Synchronous but for /__emulator/webhooks…, answered with a Promise (webhooks/idle waits). */
export function handleControl(request: ControlRequest, deps: ControlDeps & { webhooks?: undefined }): HttpReply;
export function handleControl(request: ControlRequest, deps: ControlDeps): HttpReply | Promise<HttpReply>;
export function handleControl(request: ControlRequest, deps: ControlDeps): HttpReply | Promise<HttpReply> {
  try {
    if (!LOOPBACK.has(request.remoteAddress ?? '')) throw new ApiError(403, 'The control endpoint answers loopback callers only');
    if (deps.webhooks && (request.path === '/__emulator/webhooks' || request.path.startsWith('/__emulator/webhooks/'))) {
      return handleWebhookControl(request.method, request.path, () => asObject(request.body), deps.webhooks).catch(controlError);
    }
    const action = `${request.method} ${request.path}`;
    switch (action) {
      case 'GET /__emulator/health':
        return jsonReply(200, { status: 'ok' });
      case 'GET /__emulator/requests':
        return jsonReply(200, { requests: deps.requests.entries() });
      case 'DELETE /__emulator/requests':
        deps.requests.clear();
        return NO_CONTENT;
      case 'PUT /__emulator/faults':
        deps.faults.set(asObject(request.body) as Parameters<Faults['set']>[0]);
        return NO_CONTENT;
      case 'POST /__emulator/faults/queue':
        deps.faults.enqueue(asObject(request.body) as ScriptedFault); // validated there; match.path is a glob
        return NO_CONTENT;
      case 'DELETE /__emulator/faults':
        deps.faults.clear();
        return NO_CONTENT;
      case 'POST /__emulator/reset':
        deps.reset();
        return NO_CONTENT;
    }
    const known = ['health', 'requests', 'faults', 'faults/queue', 'reset'].some((name) => request.path === `/__emulator/${name}`);
    throw known
      ? new ApiError(405, `Method ${request.method} not allowed on ${request.path}`)
      : new ApiError(404, `The requested resource ${request.path} was not found`);
  } catch (error) {
    return controlError(error);
  }
}

function controlError(error: unknown): HttpReply {
  if (error instanceof ApiError) return errorReply(error);
  if (error instanceof TypeError) return errorReply(new ApiError(400, error.message));
  throw error;
}

function asObject(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body || '{}');
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ApiError(400, 'Invalid request body: must be a JSON object');
}
