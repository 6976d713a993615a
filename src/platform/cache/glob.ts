// Redis glob patterns (*, ?, [..], \ escapes) as regular expressions, so L1 drops the same keys as SCAN MATCH.

export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index]!;
    if (character === '\\' && index + 1 < pattern.length) {
      source += escapeRegExp(pattern[++index]!);
    } else if (character === '*') {
      source += '.*';
    } else if (character === '?') {
      source += '.';
    } else if (character === '[') {
      const end = pattern.indexOf(']', index + 1);
      if (end === -1) {
        source += '\\[';
      } else {
        let body = pattern.slice(index + 1, end);
        if (body.startsWith('^')) body = `^${body.slice(1).replace(/[\\\]]/g, '\\$&')}`;
        else body = body.replace(/[\\\]]/g, '\\$&');
        source += `[${body}]`;
        index = end;
      }
    } else {
      source += escapeRegExp(character);
    }
  }
  return new RegExp(`^${source}$`, 's');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The literal text before the first wildcard: lets L1 skip keys cheaply. */
export function literalPrefix(pattern: string): string {
  const match = /^[^*?[\\]*/.exec(pattern);
  return match ? match[0] : '';
}
