// The `graphql` tag the Relay documents in this folder use. A Relay app imports it from
// `react-relay` (and Relay's Babel plugin replaces each use with its generated artifact); these
// documents are only compiled, never run, so a plain tag is enough.
export function graphql(strings: TemplateStringsArray): string {
  return strings.join('');
}
