// The demo account's data: a handful of believable support conversations over SMS, WhatsApp and voice,
// every participant type, text and transcription content, delivery statuses, and one conversation long
// enough to page through. Built once, deterministically (fixed timestamps, seeded ids), so the ids
// exported here are the same on every start and other code and tests can rely on them.
import { isoTime } from './clock.ts';
import { newId, ulid } from './ids.ts';
import type {
  Communication,
  CommunicationContent,
  Configuration,
  Conversation,
  ConversationStatus,
  DeliveryStatus,
  Participant,
  ParticipantAddress,
  ParticipantType,
} from './model.ts';
import { seededRandom } from './prng.ts';

export const DEMO_ACCOUNT_SID = 'AC00000000000000000000000000000000';
export const DEMO_AUTH_TOKEN = 'emulator';

/** One seeded resource; its accountId is empty until loaded into an account. */
export type SeedRecord =
  | { kind: 'conversations'; body: Conversation }
  | { kind: 'participants'; body: Participant }
  | { kind: 'communications'; body: Communication };

const random = seededRandom(7731);
const records: SeedRecord[] = [];

function hexSid(prefix: string): string {
  let hex = '';
  for (let i = 0; i < 32; i++) hex += Math.floor(random() * 16).toString(16);
  return prefix + hex;
}

export const DEMO_CONFIGURATION_ID = newId('configuration', Date.parse('2025-02-24T09:00:00Z'), random);

// ---- builders ----

interface Thread {
  id: string;
  /** Time of the next record in this conversation; every record gets its own millisecond. */
  at: number;
}

function conversation(name: string, status: ConversationStatus, startsAt: string, metadata: Record<string, string>): Thread {
  const at = Date.parse(startsAt);
  const id = newId('conversation', at, random);
  const time = isoTime(at);
  records.push({
    kind: 'conversations',
    body: { id, accountId: '', configurationId: DEMO_CONFIGURATION_ID, status, name, createdAt: time, updatedAt: time, metadata },
  });
  return { id, at: at + 1 };
}

function participant(
  thread: Thread,
  name: string | null,
  type: ParticipantType,
  addresses: ParticipantAddress[],
  profileId?: string,
): Participant {
  const at = thread.at++;
  const body: Participant = {
    id: newId('participant', at, random),
    conversationId: thread.id,
    accountId: '',
    name,
    type,
    ...(profileId !== undefined && { profileId }),
    addresses,
    createdAt: isoTime(at),
    updatedAt: isoTime(at),
  };
  records.push({ kind: 'participants', body });
  return body;
}

interface Extra {
  channelId?: string;
  resourceId?: string;
}

function communication(
  thread: Thread,
  gapSeconds: number,
  author: Participant,
  to: [Participant, DeliveryStatus][],
  content: CommunicationContent,
  extra: Extra = {},
): void {
  const at = (thread.at += gapSeconds * 1000);
  thread.at += 1;
  const address = (p: Participant) => ({ address: p.addresses[0]!.address, channel: p.addresses[0]!.channel, participantId: p.id });
  records.push({
    kind: 'communications',
    body: {
      id: newId('communication', at, random),
      conversationId: thread.id,
      accountId: '',
      author: address(author),
      content,
      ...extra,
      recipients: to.map(([p, deliveryStatus]) => ({ ...address(p), deliveryStatus })),
      createdAt: isoTime(at + 800),
      updatedAt: isoTime(at + 800),
      occurredAt: isoTime(at),
    },
  });
  // createdAt trails occurredAt slightly (ingestion); keep the next record after it.
  thread.at += 801;
}

/** A text message with a fresh message SID as channelId and resourceId. */
function text(thread: Thread, gapSeconds: number, author: Participant, to: [Participant, DeliveryStatus][], message: string): void {
  const messageSid = hexSid('SM');
  communication(thread, gapSeconds, author, to, { type: 'TEXT', text: message }, { channelId: messageSid, resourceId: messageSid });
}

interface Call {
  callSid: string;
  transcriptionSid: string;
  index: number;
}

/** One transcribed utterance of a call, with word timings starting when it was spoken. */
function utterance(
  thread: Thread,
  call: Call,
  gapSeconds: number,
  author: Participant,
  to: Participant,
  audioChannel: number,
  confidence: number,
  spoken: string,
): void {
  const startsAt = thread.at + gapSeconds * 1000;
  let t = startsAt;
  const words = spoken.split(/\s+/).map((word) => {
    const w = { text: word, startTime: isoTime(t), endTime: isoTime(t + 90 + word.length * 55) };
    t += 90 + word.length * 55 + 70;
    return w;
  });
  const content: CommunicationContent = {
    type: 'TRANSCRIPTION',
    text: spoken,
    transcription: { channel: audioChannel, confidence, engine: 'twilio', words },
  };
  communication(thread, gapSeconds, author, [[to, 'DELIVERED']], content, {
    channelId: call.callSid,
    resourceId: `${call.transcriptionSid}:${call.index++}`,
  });
  thread.at = Math.max(thread.at, t);
}

const sms = (address: string, channelId?: string): ParticipantAddress => ({ channel: 'SMS', address, ...(channelId && { channelId }) });
const profile = () => `mem_profile_${ulid(Date.parse('2024-11-02T10:00:00Z'), random)}`;

// ---- 1. SMS: a late delivery ----

const order = conversation('Order #48213 - delivery question', 'ACTIVE', '2025-03-05T16:02:00Z', {
  zendesk_ticket_id: 'TKT-48213',
  region: 'us-west',
});
const maya = participant(order, 'Maya Thompson', 'CUSTOMER', [sms('+14155550123')], profile());
const jordan = participant(order, 'Jordan Lee', 'HUMAN_AGENT', [sms('+18005550199')]);
text(
  order,
  0,
  maya,
  [[jordan, 'DELIVERED']],
  "Hi, my order #48213 was supposed to arrive yesterday but tracking hasn't updated since Monday.",
);
text(
  order,
  95,
  jordan,
  [[maya, 'DELIVERED']],
  'Hi Maya, this is Jordan from Northwind Outfitters. Sorry about that, let me check with the carrier.',
);
text(
  order,
  240,
  jordan,
  [[maya, 'DELIVERED']],
  "The carrier says the package is at the Oakland depot. It's back on the truck tomorrow and should arrive before 8pm.",
);
text(
  order,
  60,
  maya,
  [[jordan, 'DELIVERED']],
  "OK, thanks. Can you make sure they don't leave it at the front door? Last time it got soaked.",
);
text(order, 45, jordan, [[maya, 'DELIVERED']], "Done: I've added a note asking the driver to leave it with the building concierge.");
text(order, 20, jordan, [[maya, 'IN_PROGRESS']], 'Updated tracking: https://track.northwind.example/48213');

// ---- 2. WhatsApp: a return, from the virtual assistant to a person ----

const returns = conversation('Return request - trail running shoes', 'ACTIVE', '2025-03-06T10:15:00Z', {
  order_id: 'NW-99120',
  channel_origin: 'whatsapp',
});
const carlos = participant(returns, 'Carlos Mendoza', 'CUSTOMER', [{ channel: 'WHATSAPP', address: 'whatsapp:+5215512345678' }], profile());
const aria = participant(returns, 'Aria (virtual assistant)', 'AI_AGENT', [{ channel: 'WHATSAPP', address: 'whatsapp:+14155550100' }]);
const sam = participant(returns, 'Sam Patel', 'HUMAN_AGENT', [{ channel: 'WHATSAPP', address: 'whatsapp:+14155550100' }]);
text(
  returns,
  0,
  carlos,
  [[aria, 'READ']],
  'Hola! I bought trail shoes last week (order NW-99120) and they are half a size too small. Can I return them?',
);
text(
  returns,
  4,
  aria,
  [[carlos, 'READ']],
  'Hi Carlos! Yes, unworn shoes can be returned within 30 days. Would you like an exchange for a larger size or a refund?',
);
text(returns, 50, carlos, [[aria, 'READ']], 'Exchange please, size 10.5 US. Same color (slate blue).');
text(
  returns,
  3,
  aria,
  [[carlos, 'READ']],
  'Size 10.5 in slate blue is out of stock at the moment. I can connect you with a teammate who can check incoming stock.',
);
text(returns, 30, carlos, [[aria, 'READ']], 'Yes please.');
text(returns, 140, sam, [[carlos, 'READ']], "Hi Carlos, Sam here. 10.5 in slate blue arrives Tuesday; I've reserved a pair for you.");
text(returns, 20, sam, [[carlos, 'FAILED']], 'Your prepaid return label: https://returns.northwind.example/label/RT-99120');
text(
  returns,
  90,
  sam,
  [[carlos, 'READ']],
  'Resending the label, the last message did not go through: https://returns.northwind.example/label/RT-99120',
);
text(returns, 35, carlos, [[sam, 'READ']], 'Got it, thanks Sam! Dropping them off tomorrow.');

// ---- 3. Voice: a billing call, transcribed; the call has ended ----

const billing = conversation('Billing call - duplicate charge', 'INACTIVE', '2025-03-07T13:40:00Z', { call_reason: 'billing' });
const call: Call = { callSid: hexSid('CA'), transcriptionSid: hexSid('GT'), index: 0 };
const priya = participant(
  billing,
  'Priya Nair',
  'CUSTOMER',
  [{ channel: 'VOICE', address: '+442071838750', channelId: call.callSid }],
  profile(),
);
const ivr = participant(billing, 'Northwind phone menu', 'AGENT', [{ channel: 'VOICE', address: '+18005550199', channelId: call.callSid }]);
const dana = participant(billing, 'Dana Brooks', 'HUMAN_AGENT', [{ channel: 'VOICE', address: '+18005550199', channelId: call.callSid }]);
utterance(billing, call, 0, ivr, priya, 1, 0.99, 'Thanks for calling Northwind. For billing questions, press two or say billing.');
utterance(billing, call, 1, priya, ivr, 0, 0.93, 'Billing.');
utterance(billing, call, 20, dana, priya, 1, 0.97, 'Hi, this is Dana in billing. How can I help you today?');
utterance(
  billing,
  call,
  1,
  priya,
  dana,
  0,
  0.88,
  'Hi Dana. I was charged twice for the same order on March third, forty two pounds each time.',
);
utterance(billing, call, 2, dana, priya, 1, 0.96, 'I am sorry about that. Can you confirm the last four digits of the card?');
utterance(billing, call, 1, priya, dana, 0, 0.81, 'Sure, it ends in four four one seven.');
utterance(
  billing,
  call,
  12,
  dana,
  priya,
  1,
  0.95,
  'I can see both charges. The second one is a duplicate authorization, and I have released it now.',
);
utterance(billing, call, 1, dana, priya, 1, 0.94, 'It should disappear from your statement within three to five business days.');
utterance(billing, call, 2, priya, dana, 0, 0.9, 'Perfect, thank you so much for sorting that out.');

// ---- 4. SMS, closed: a reminder that reached the wrong person ----

const reminder = conversation('Appointment reminder - Dr. Alvarez', 'CLOSED', '2025-03-08T08:00:00Z', { clinic: 'lakeside-dental' });
const reminders = participant(reminder, 'Lakeside Dental reminders', 'AGENT', [sms('+18005550142')]);
const stranger = participant(reminder, null, 'UNKNOWN', [sms('+13125550187')]);
text(
  reminder,
  0,
  reminders,
  [[stranger, 'DELIVERED']],
  'Reminder: your appointment with Dr. Alvarez is on Thu Mar 13 at 9:30 AM. Reply C to confirm or R to reschedule.',
);
text(reminder, 600, stranger, [[reminders, 'DELIVERED']], "Wrong number, I think. I don't have an appointment at Lakeside.");
text(reminder, 30, reminders, [[stranger, 'DELIVERED']], 'Thanks for letting us know. We have removed this number from our reminders.');

// ---- 5. SMS, long: a week-long connection problem (the conversation to page through) ----

const outage = conversation('Internet outage - ticket #7731', 'ACTIVE', '2025-03-03T07:48:00Z', {
  ticket: '7731',
  plan: 'fiber-500',
  zip: '02143',
});
const elena = participant(outage, 'Elena Petrova', 'CUSTOMER', [sms('+16175550148')], profile());
const nova = participant(outage, 'Nova (virtual assistant)', 'AI_AGENT', [sms('+18005550177')]);
const marcus = participant(outage, 'Marcus Reed', 'HUMAN_AGENT', [sms('+18005550177')]);
const aisha = participant(outage, 'Aisha Karim', 'HUMAN_AGENT', [sms('+18005550177')]);
const luis = participant(outage, 'Luis Ortega', 'HUMAN_AGENT', [sms('+16175550190')]);
const alerts = participant(outage, 'Northwind Fiber status alerts', 'AGENT', [sms('+18005550100')]);

const skipTo = (iso: string) => {
  outage.at = Math.max(outage.at, Date.parse(iso));
};
/** Elena writes to whoever is handling the ticket; staff write to Elena. */
const fromElena = (to: Participant, gap: number, message: string) => text(outage, gap, elena, [[to, 'DELIVERED']], message);
const toElena = (from: Participant, gap: number, message: string) => text(outage, gap, from, [[elena, 'DELIVERED']], message);
const pick = <T>(options: readonly T[]): T => options[Math.floor(random() * options.length)]!;
const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));

fromElena(nova, 0, 'My internet has been dropping every few minutes since last night. Account 7731-204.');
toElena(
  nova,
  3,
  "Hi Elena, I'm Nova, Northwind Fiber's virtual assistant. Sorry your connection is unstable. Is the light on your router solid white, blinking white, or orange?",
);
fromElena(nova, 40, 'Blinking orange, then it goes white for a while, then orange again.');
toElena(nova, 3, "Thanks. I'm running a remote line check now, this takes about a minute.");
toElena(nova, 65, 'The check found intermittent signal loss on your line. Have you restarted the router since the problem started?');
fromElena(nova, 30, 'Twice. It helps for maybe ten minutes.');
toElena(nova, 3, 'Understood. Could you check that the cable between the wall outlet and the router is firmly clicked in at both ends?');
fromElena(nova, 120, 'It is. I even swapped it for the spare one that came in the box.');
toElena(
  nova,
  3,
  "Thank you for trying that. Since the problem continues, I'm opening ticket #7731 and handing you to a support specialist.",
);
toElena(alerts, 20, "Northwind Fiber: we're investigating reports of intermittent service in Somerville (02143). Next update by 10:00 AM.");
fromElena(nova, 25, "Ah, so it's not just me?");
toElena(nova, 3, 'It may be related, but a specialist will look at your line specifically. The wait right now is under 15 minutes.');

toElena(marcus, 540, "Hi Elena, I'm Marcus from Northwind Fiber support. I've read your chat with Nova, no need to repeat anything.");
fromElena(marcus, 40, 'Thanks Marcus. I work from home so this is pretty painful.');
toElena(marcus, 50, "Completely understand. Your line dropped 23 times in the last 12 hours. That's more than the area issue explains.");
toElena(marcus, 15, 'Could you tell me the model printed on the bottom of the router? It starts with NF-.');
fromElena(marcus, 90, 'NF-R410, serial ends in 8C2D.');
toElena(marcus, 60, "Thanks. That model had a firmware bug with exactly these symptoms. Yours is on 3.2.1; I'm pushing 3.4.0 now.");
toElena(
  marcus,
  10,
  "The router will restart by itself in the next couple of minutes. Please don't unplug it while the light is pulsing blue.",
);
fromElena(marcus, 70, "OK, it's pulsing blue.");
fromElena(marcus, 180, 'Back to solid white.');
toElena(marcus, 30, 'Great, firmware 3.4.0 is confirmed. Can you run a speed test at speed.northwind.example and send me the numbers?');
fromElena(marcus, 100, '412 down, 388 up, ping 9 ms.');
toElena(marcus, 20, "That's right where it should be for your 500 plan.");
toElena(
  marcus,
  15,
  "To be sure it holds, could you run a test a few times a day for the next week and text me the results? I'll keep the ticket open.",
);
fromElena(marcus, 60, 'Sure, I can do that.');
toElena(
  alerts,
  3600,
  'Northwind Fiber update: the Somerville (02143) issue was caused by a faulty card at the Union Square cabinet. Engineers are replacing it. Next update by 1:00 PM.',
);
fromElena(marcus, 1500, 'Just dropped again for about a minute, during a video call of course.');
toElena(marcus, 120, "Sorry, that one lines up with the cabinet work in your area. Let's see how it behaves once the card is replaced.");
toElena(
  alerts,
  5400,
  'Northwind Fiber: service in Somerville (02143) has been restored. If you are still having trouble, please restart your router.',
);
fromElena(marcus, 600, 'Restarted, all white now.');
toElena(marcus, 90, "Thanks Elena. I'll check in every morning this week. Text any time if it drops.");

// A week of check-ins: fine at first, then evening slowdowns that the area fix does not explain.
const mornings = [
  'Good morning Elena, how did the connection do overnight?',
  'Morning! Any drops since yesterday evening?',
  'Hi Elena, checking in on ticket #7731. How was the night?',
  'Good morning. Anything in the router log overnight?',
];
const goodAcks = [
  'Looks healthy, thanks.',
  'Good numbers, thank you.',
  "Noted, that's in range.",
  'Perfect, thanks for keeping track.',
  'All good on my side too.',
];
const badAcks = [
  "That's well below your plan. I've added it to the ticket.",
  'Thanks, I can see the same dip from here.',
  "Noted. That's the evening pattern again.",
  "Not great. I'm flagging this reading for the network team.",
];
const checkIns = ['08:10', '11:30', '14:45', '18:20', '21:35'];
const days = ['2025-03-04', '2025-03-05', '2025-03-06', '2025-03-07', '2025-03-08', '2025-03-09'];
days.forEach((day, d) => {
  const troubledEvenings = d >= 3;
  skipTo(`${day}T12:55:00Z`);
  toElena(marcus, 0, pick(mornings));
  const overnight = troubledEvenings ? between(2, 6) : 0;
  fromElena(
    marcus,
    between(300, 1500),
    overnight === 0 ? 'No drops overnight as far as I can tell.' : `Router log shows ${overnight} drops overnight, each under a minute.`,
  );
  checkIns.forEach((time, i) => {
    // Boston local time is UTC-5 (before the March 9 switch, close enough for demo data).
    const [hours, minutes] = time.split(':').map(Number) as [number, number];
    outage.at = Math.max(outage.at, Date.parse(`${day}T00:00:00Z`) + ((hours + 5) * 60 + minutes) * 60_000);
    const slow = troubledEvenings && i >= 3;
    const down = slow ? between(60, 180) : between(380, 470);
    const up = slow ? between(300, 400) : between(360, 460);
    const ping = slow ? between(24, 60) : between(8, 12);
    fromElena(
      marcus,
      between(0, 600),
      pick([
        `${time} test: ${down} down / ${up} up, ping ${ping} ms.`,
        `Speed test at ${time}: ${down} Mbps down, ${up} up, ${ping} ms.`,
        `${down}/${up}, ping ${ping} (${time}).`,
      ]),
    );
    toElena(marcus, between(60, 900), pick(slow ? badAcks : goodAcks));
  });
});

skipTo('2025-03-10T14:05:00Z');
toElena(
  marcus,
  0,
  "Elena, the evening slowdowns aren't the area issue, which is fixed. I'm bringing in Aisha from our network team to look deeper.",
);
toElena(
  aisha,
  900,
  "Hi Elena, Aisha from network operations. Your line's optical receive level dips to -27 dBm in the evenings. Healthy is better than -24.",
);
fromElena(aisha, 120, 'I have no idea what that means, but it sounds bad?');
toElena(
  aisha,
  60,
  'It means the light reaching your router gets too weak at times, usually a dirty or bent fiber connector. Nothing you did.',
);
toElena(aisha, 30, 'The fix is a technician visit to clean or replace the connector. I have Thursday 9-11 AM or Friday 1-3 PM.');
fromElena(aisha, 200, 'Friday 1-3 works.');
toElena(aisha, 40, 'Booked for Friday March 14, 1-3 PM. The technician will text you when they are on the way.');
fromElena(aisha, 60, 'Will I need to be home the whole time?');
toElena(aisha, 45, 'Yes please. They will need access to the outlet where the fiber comes in, and to the router.');
skipTo('2025-03-14T17:25:00Z');
toElena(luis, 0, "Hi Elena, this is Luis from Northwind Fiber. I'm about 20 minutes away for your 1-3 PM appointment.");
fromElena(luis, 60, "Great, I'm home. Buzzer 4B.");
toElena(
  luis,
  1800,
  'Found it: the connector at the wall outlet was scratched and the fiber was bent behind the bookcase. Replacing both now.',
);
toElena(luis, 1500, 'All done. Receive level is now -19 dBm, which is excellent. Router restarted and on solid white.');
fromElena(luis, 30, 'Thank you Luis!');
toElena(aisha, 600, "Thanks Elena. I'm watching your line from here and the readings look stable.");
skipTo('2025-03-15T13:10:00Z');
toElena(aisha, 0, 'Morning Elena, your line had zero drops overnight and the optical level stayed at -19 dBm.');
fromElena(aisha, 1200, 'Evening video calls were smooth too. Speed test just now: 468 down, 452 up.');
toElena(marcus, 300, "That's great to hear! I'm adding a $25 credit to your account for the trouble. You'll see it on your next bill.");
fromElena(marcus, 120, 'That is really kind, thank you.');
toElena(marcus, 60, "You're welcome. I'll close ticket #7731 in 48 hours unless you tell me otherwise.");
fromElena(marcus, 90, 'Sounds good. Thanks to the whole team.');
toElena(nova, 600, 'Thanks for contacting Northwind Fiber, Elena. How would you rate your support from 1 (poor) to 5 (excellent)?');
fromElena(nova, 200, '5');
text(outage, 3, nova, [[elena, 'IN_PROGRESS']], 'Thank you! Your feedback helps us improve.');

// ---- what other code and tests rely on ----

/** The demo conversations by name. */
export const DEMO_CONVERSATIONS = {
  smsOrder: order.id,
  whatsappReturn: returns.id,
  voiceBilling: billing.id,
  closedReminder: reminder.id,
  longSupport: outage.id,
} as const;

/** The conversation long enough to page through (more than 120 communications, several authors). */
export const DEMO_LONG_CONVERSATION = outage.id;

/** The demo participants by name. */
export const DEMO_PARTICIPANTS = {
  maya: maya.id,
  jordan: jordan.id,
  carlos: carlos.id,
  aria: aria.id,
  sam: sam.id,
  priya: priya.id,
  ivr: ivr.id,
  dana: dana.id,
  reminders: reminders.id,
  stranger: stranger.id,
  elena: elena.id,
  nova: nova.id,
  marcus: marcus.id,
  aisha: aisha.id,
  luis: luis.id,
  alerts: alerts.id,
} as const;

/** Every seeded resource in creation order. */
export const DEMO_RECORDS: readonly SeedRecord[] = records;

/** The latest seeded timestamp: the emulator's clock hands out later ones only. */
export const DEMO_LAST_MS = Math.max(...records.map((r) => Date.parse(r.body.createdAt)));

/**
 * The configuration every demo conversation names (fixed values: drawing from `random` here would
 * change every id seeded after it). No status callbacks: embedded mode points them at the facade.
 */
export const DEMO_CONFIGURATION: Configuration = {
  id: DEMO_CONFIGURATION_ID,
  displayName: 'Northwind Support',
  description: 'Customer support for Northwind Outfitters and Northwind Fiber over SMS, WhatsApp and voice.',
  conversationGroupingType: 'GROUP_BY_PARTICIPANT_ADDRESSES',
  memoryStoreId: 'mem_store_01jn2v8k4t6r9w3x5y7z0a1b2c',
  channelSettings: {
    SMS: {
      statusTimeouts: { inactive: 60, closed: 1440 },
      captureRules: [
        { from: '*', to: '+18005550177' },
        { from: '*', to: '+18005550199' },
      ],
    },
    WHATSAPP: { statusTimeouts: { inactive: 60, closed: 1440 }, captureRules: [{ from: '*', to: 'whatsapp:+14155550100' }] },
    VOICE: {
      statusTimeouts: { inactive: 5, closed: 30 },
      captureRules: [{ from: '*', to: '+18005550199', metadata: { callType: 'PSTN' } }],
    },
  },
  statusCallbacks: [],
  intelligenceConfigurationIds: [],
  memoryExtractionEnabled: false,
  createdAt: isoTime(Date.parse('2025-02-24T09:00:00Z')),
  updatedAt: isoTime(Date.parse('2025-02-24T09:00:00Z')),
  version: 1,
};

/**
 * What the facade's GraphiQL page pre-fills: a message from Marcus to Elena in the long conversation,
 * a conversation opened under the demo configuration, an agent joining the long conversation, and the
 * billing call's conversation to close (one no other example uses: closed, it takes no new
 * participants or messages, so closing the long one would break the others).
 */
export function demoExample() {
  const address = (p: Participant) => ({ address: p.addresses[0]!.address, channel: p.addresses[0]!.channel, participantSid: p.id });
  return {
    conversationSid: outage.id,
    author: address(marcus),
    recipient: address(elena),
    configurationSid: DEMO_CONFIGURATION.id,
    joiningAgent: { name: 'Ravi Shah', type: 'HUMAN_AGENT', addresses: [{ address: '+18005550177', channel: 'SMS' }] },
    conversationToCloseSid: billing.id,
  };
}
