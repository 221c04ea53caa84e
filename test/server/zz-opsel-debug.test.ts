import { it } from 'vitest';
import { seedConversation } from '../helpers/seed.ts';
import { startStack } from '../helpers/stack.ts';
import { createLogger } from '../../src/observability/logger.ts';
it('debug', async () => {
  const lines: any[] = [];
  const stack = await startStack({ facade: { logger: createLogger('debug', { write: (l: string) => void lines.push(JSON.parse(l)) }) } });
  const sid = seedConversation(stack.emulator, 'x');
  const doc = `mutation M { createCommunication(input: {conversationSid: "${sid}", author: {address: "+15005550001", channel: SMS}, recipients: [{address: "+15005550002", channel: SMS}], content: {text: {text: "csrf"}}}) { communication { sid } } } query Q { __typename }`;
  stack.takeUpstreamCalls();
  const r1 = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: doc, operationName: 'M' }) });
  console.log(r1.status, await r1.text(), JSON.stringify(stack.takeUpstreamCalls()));
  console.log(JSON.stringify(lines.filter(l => l.level >= 40)).slice(0, 3000));
  await stack.close();
});
