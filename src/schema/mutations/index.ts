// Every mutation: one module each, on the paved path of run-mutation.ts. A new mutation is one
// import line here (plus its module and its test).
import './user-errors.ts';
import './inputs.ts';
import './create-communication.ts';
import './add-participant.ts';
import './update-participant.ts';
import './create-conversation.ts';
import './update-conversation.ts';
import './delete-conversation.ts';
