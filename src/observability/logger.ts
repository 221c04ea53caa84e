// Structured JSON logs (pino). One line per request, plus start-up and failures. Credentials and
// message text never reach a log line: requests are logged by their metadata only, and the
// fields that could carry secrets are redacted should they ever be passed.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'conversations-graphql' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['authorization', '*.authorization', 'password', '*.password', 'variables', '*.variables', 'text', '*.text'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
