// The parsers of the configuration table: each turns one environment variable's raw text into a
// checked value, or stops the start with a ConfigError naming the variable (never its value when
// it is a secret). variables.ts declares the table with them.
import { parseOrigin } from '../server/cors.ts';

export const TWILIO_API_URL = 'https://conversations.twilio.com';
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface Variable<T> {
  name: string;
  description: string;
  /** Shown in the docs; undefined means "not set". */
  defaultText: string;
  read(raw: string | undefined): T;
}

export function variable<T>(name: string, description: string, defaultText: string, parse: (raw: string | undefined) => T) {
  return { name, description, defaultText, read: parse } satisfies Variable<T>;
}

export function integer(name: string, description: string, fallback: number, min: number, max: number) {
  return variable(name, description, String(fallback), (raw) => {
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    }
    return value;
  });
}

export function text(name: string, description: string, fallback: string | undefined) {
  return variable(name, description, fallback ?? '(none)', (raw) => (raw === undefined || raw === '' ? fallback : raw));
}

export function oneOf<const T extends string>(name: string, description: string, values: readonly T[], fallback: T) {
  return variable(name, description, fallback, (raw) => {
    if (raw === undefined || raw === '') return fallback;
    if (!(values as readonly string[]).includes(raw)) {
      throw new ConfigError(`${name} must be one of ${values.join(', ')} (got "${raw}")`);
    }
    return raw as T;
  });
}

export function flag(name: string, description: string, fallback: boolean) {
  return variable(name, description, String(fallback), (raw) => {
    if (raw === undefined || raw === '') return fallback;
    if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
    if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
    throw new ConfigError(`${name} must be true or false (got "${raw}")`);
  });
}

export function list(name: string, description: string) {
  return variable(name, description, '(none)', (raw) =>
    (raw ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );
}

/** Comma-separated exact origins (as browsers send them in `Origin`), or `*`. */
export function origins(name: string, description: string, defaultText: string) {
  return variable(name, description, defaultText, (raw) => {
    const values = (raw ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    for (const value of values) {
      const parsed = parseOrigin(value);
      if ('problem' in parsed) {
        throw new ConfigError(
          `${name} must list origins such as http://127.0.0.1:5173 (scheme://host[:port]) or * (got "${value}": ${parsed.problem})`,
        );
      }
    }
    return values;
  });
}

export function url(name: string, description: string, defaultText = '(none)') {
  return variable(name, description, defaultText, (raw) => {
    if (raw === undefined || raw === '') return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(`${name} must be an http(s) URL such as ${TWILIO_API_URL}`);
    }
    if (!['http:', 'https:'].includes(parsed.protocol) || parsed.search || parsed.hash || parsed.username) {
      throw new ConfigError(`${name} must be an http(s) URL without credentials, query or fragment`);
    }
    if (/\/v2\/?$/.test(parsed.pathname)) throw new ConfigError(`${name} must not end in /v2 (the facade adds it)`);
    return parsed.toString().replace(/\/+$/, '');
  });
}

/** The facade's public base URL (possibly with a path prefix), as Twilio reaches it. */
export function publicUrl(name: string, description: string) {
  return variable(name, description, '(none)', (raw) => {
    if (raw === undefined || raw === '') return undefined;
    let parsed: URL | undefined;
    try {
      parsed = new URL(raw);
    } catch {
      parsed = undefined;
    }
    if (
      !parsed ||
      !['http:', 'https:'].includes(parsed.protocol) ||
      parsed.search ||
      parsed.hash ||
      parsed.username ||
      parsed.password ||
      raw.includes('?') ||
      raw.includes('#')
    ) {
      throw new ConfigError(`${name} must be an http(s) URL without credentials, query or fragment, such as https://graphql.example.com`);
    }
    // As written (not WHATWG-normalised): Twilio signs the URL as the operator configured it.
    return raw.replace(/\/+$/, '');
  });
}

/** `AC…:token` pairs, comma-separated. A problem names the entry by position, never its token. */
export function accountTokens(name: string, description: string) {
  return variable(name, description, '(none)', (raw) => {
    const tokens = new Map<string, string>();
    const entries = (raw ?? '').split(',').map((entry) => entry.trim());
    if (entries.length === 1 && entries[0] === '') return tokens;
    entries.forEach((entry, index) => {
      const colon = entry.indexOf(':');
      const account = entry.slice(0, colon);
      const token = entry.slice(colon + 1).trim();
      if (colon === -1 || !ACCOUNT_SID.test(account.trim()) || token === '') {
        throw new ConfigError(
          `${name} must be comma-separated AC…:token pairs (an Account SID, a colon, its auth token); entry ${index + 1} is not`,
        );
      }
      if (tokens.has(account.trim())) throw new ConfigError(`${name} names ${account.trim()} twice`);
      tokens.set(account.trim(), token);
    });
    return tokens;
  });
}

/** Reads one variable of the table from an environment. */
export const reader =
  (env: NodeJS.ProcessEnv) =>
  <T>(spec: Variable<T>): T =>
    spec.read(env[spec.name]);
