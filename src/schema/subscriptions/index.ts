// Every subscription field: one module per field family (the payload types in events.ts, the
// common opening and clean-up in stream.ts).
import './communication-added.ts';
import './conversation-events.ts';
import './conversation-changed.ts';
