// Path patterns for fault matching and request-log filters: a glob where `*` matches any run of
// characters. It replaced regular expressions, which a pattern like `(a+)+$` could make backtrack
// for seconds on one request path, freezing the whole process (the facade too, when embedded).
/**
 * Whether `path` matches the glob `pattern` (`*`: any run of characters). The literal pieces between
 * the stars are found left to right, each at its first place after the previous one, which is
 * enough for a star-only glob: no backtracking, at most one scan of the path per piece.
 */
export function globMatches(pattern: string, path: string): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return pattern === path;
  const head = pieces[0]!;
  const tail = pieces.at(-1)!;
  if (path.length < head.length + tail.length || !path.startsWith(head) || !path.endsWith(tail)) return false;
  const end = path.length - tail.length;
  let from = head.length;
  for (const piece of pieces.slice(1, -1)) {
    const at = path.indexOf(piece, from);
    if (at < 0 || at + piece.length > end) return false;
    from = at + piece.length;
  }
  return true;
}
