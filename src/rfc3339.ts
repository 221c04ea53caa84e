// The RFC 3339 date-time pattern, in one place: the upstream decoder keeps only times that match it
// (upstream/decode.ts), and a DateTime input must match it before its calendar is checked
// (schema/scalars.ts). The emulator keeps its own copy: it imports nothing of the facade.

/** Groups: year, month, day, hour, minute, second, fraction digits, offset hours, offset minutes. */
export const RFC3339_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
