// Dial-string specificity: how strongly a route claims a number. A prefix entry claims with its
// length; a regex claims with the length of the literal digits it anchors at the start, expanded
// over one simple alternation or digit class: "^44(1|2)" claims like the prefixes 441 and 442,
// "^44\d+" like 44, and an unanchored regex like the empty prefix (specificity 0).

const MAX_EXPANSION = 100;

/** The literal prefixes a regex anchors; [''] when it anchors none. */
export function regexLiterals(source: string): string[] {
  if (!source.startsWith('^')) return [''];
  let i = 1;
  let head = '';
  while (i < source.length && isDigit(source[i]!) && !isQuantifier(source[i + 1])) head += source[i++];
  const alternatives = readAlternatives(source, i);
  if (!alternatives || alternatives.list.length > MAX_EXPANSION || isQuantifier(source[alternatives.end])) return [head];
  return alternatives.list.map((a) => head + a);
}

function readAlternatives(source: string, i: number): { list: string[]; end: number } | undefined {
  if (source[i] === '(') {
    const close = source.indexOf(')', i);
    if (close < 0) return undefined;
    const inner = source.slice(source[i + 1] === '?' && source[i + 2] === ':' ? i + 3 : i + 1, close);
    const parts = inner.split('|');
    if (!parts.every((p) => /^\d+$/.test(p))) return undefined;
    return { list: parts, end: close + 1 };
  }
  if (source[i] === '[') {
    const close = source.indexOf(']', i);
    if (close < 0 || source[i + 1] === '^') return undefined;
    const inner = source.slice(i + 1, close);
    const digits: string[] = [];
    for (let k = 0; k < inner.length; k++) {
      const c = inner[k]!;
      if (inner[k + 1] === '-' && isDigit(c) && isDigit(inner[k + 2] ?? '')) {
        for (let d = Number(c); d <= Number(inner[k + 2]); d++) digits.push(String(d));
        k += 2;
      } else if (isDigit(c)) digits.push(c);
      else return undefined;
    }
    return { list: [...new Set(digits)], end: close + 1 };
  }
  return undefined;
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** A digit followed by ?, * or {0,…} is optional, so it is not part of the literal. */
function isQuantifier(c: string | undefined): boolean {
  return c === '?' || c === '*' || c === '{' || c === '+';
}
