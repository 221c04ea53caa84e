// /__emulator/webhooks…: the delivery log and webhook fault injection over HTTP, for the emulator run
// alone (npm run emulator) and for scripts. control.ts hands these paths here; same rules (loopback
// callers only, no auth, 400 for an invalid fault).
import { ApiError } from './errors.ts';
import { jsonReply, type HttpReply } from './reply.ts';
import type { WebhookController } from './webhooks.ts';
import type { ScriptedWebhookFault, WebhookFaultConfig } from './webhook-faults.ts';

const NO_CONTENT: HttpReply = { status: 204, headers: {}, body: '' };
/** How long GET /__emulator/webhooks/idle waits before answering 504. */
const IDLE_WAIT_MS = 5_000;
export const WEBHOOK_CONTROL_PATHS = ['webhooks', 'webhooks/idle', 'webhooks/faults', 'webhooks/faults/queue'].map(
  (name) => `/__emulator/${name}`,
);

/** Answers a /__emulator/webhooks… request; `parse` reads the body as a JSON object (400 otherwise). */
export async function handleWebhookControl(
  method: string,
  path: string,
  body: () => Record<string, unknown>,
  webhooks: WebhookController,
): Promise<HttpReply> {
  switch (`${method} ${path}`) {
    case 'GET /__emulator/webhooks':
      return jsonReply(200, { deliveries: webhooks.deliveries(), pending: webhooks.pending() });
    case 'DELETE /__emulator/webhooks':
      webhooks.clear();
      return NO_CONTENT;
    case 'GET /__emulator/webhooks/idle':
      try {
        await webhooks.idle({ timeoutMs: IDLE_WAIT_MS });
        return NO_CONTENT;
      } catch {
        throw new ApiError(504, `Deliveries still pending after ${IDLE_WAIT_MS} ms: ${webhooks.pending()}`);
      }
    case 'PUT /__emulator/webhooks/faults':
      webhooks.faults.set(body() as WebhookFaultConfig);
      return NO_CONTENT;
    case 'POST /__emulator/webhooks/faults/queue':
      webhooks.faults.enqueue(body() as ScriptedWebhookFault); // validated there
      return NO_CONTENT;
    case 'DELETE /__emulator/webhooks/faults':
      webhooks.faults.clear();
      return NO_CONTENT;
  }
  throw WEBHOOK_CONTROL_PATHS.includes(path)
    ? new ApiError(405, `Method ${method} not allowed on ${path}`)
    : new ApiError(404, `The requested resource ${path} was not found`);
}
