// Runs the emulator alone (`npm run emulator`): the demo data on a fixed loopback port, for trying the
// upstream API with curl or pointing a facade at it. Settings come from the environment.
import { DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, startEmulator } from './index.ts';

function fail(message: string): never {
  console.error(`Configuration error: ${message}`);
  process.exit(1);
}

function readConfig() {
  const env = process.env;
  const rawPort = env.EMULATOR_PORT ?? '4010';
  const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
  if (!(port >= 0 && port <= 65535)) fail(`EMULATOR_PORT must be a port number from 0 to 65535, got "${rawPort}"`);
  const accountSid = env.EMULATOR_ACCOUNT_SID || DEMO_ACCOUNT_SID;
  if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) fail(`EMULATOR_ACCOUNT_SID must be AC followed by 32 hex digits, got "${accountSid}"`);
  const authToken = env.EMULATOR_AUTH_TOKEN || DEMO_AUTH_TOKEN;
  return { port, accountSid, authToken };
}

const { port, accountSid, authToken } = readConfig();
const emulator = await startEmulator({ port, demoAccountSid: accountSid, demoAuthToken: authToken }).catch((error: unknown) => {
  fail(`cannot listen on 127.0.0.1:${port}: ${error instanceof Error ? error.message : String(error)}`);
});
console.log(
  `Conversations v2 emulator listening on ${emulator.url} (demo account: ${accountSid}, auth token: ${authToken}; try curl -u ${accountSid}:${authToken} ${emulator.url}/v2/Conversations)`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    emulator.close().then(() => process.exit(0));
  });
}
