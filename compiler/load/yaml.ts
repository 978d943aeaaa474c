// YAML documents with a source position for every node (the `yaml` package keeps node ranges).
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import type { DiagnosticBag, Location } from '../diagnostics.js';
import { LineIndex, type DocumentKind, type PathSegment, type SourceDocument } from '../source.js';

export function loadYamlDocument(
  text: string,
  file: string,
  absPath: string,
  kind: DocumentKind,
  bag: DiagnosticBag,
): SourceDocument | undefined {
  const lines = new LineIndex(text);
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const at = lines.position(err.pos[0]);
      bag.report('DP1001', { file, ...at, length: Math.max(1, err.pos[1] - err.pos[0]) }, firstLine(err.message));
    }
    return undefined;
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  const at = (offset: number, end?: number): Location => {
    const p = lines.position(offset);
    return end === undefined ? { file, ...p } : { file, ...p, length: Math.max(1, end - offset) };
  };

  const walk = (path: readonly PathSegment[]): { node: YamlNode | null; pair?: Pair; depth: number } => {
    let node: unknown = doc.contents;
    let pair: Pair | undefined;
    let depth = 0;
    for (const seg of path) {
      if (isMap(node)) {
        const found = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!found) break;
        pair = found;
        node = found.value;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        pair = undefined;
        node = node.items[seg];
      } else break;
      depth++;
    }
    return { node: (node as YamlNode | null) ?? null, pair, depth };
  };

  return {
    kind,
    file,
    absPath,
    format: 'yaml',
    value,
    locate(path, part = 'value') {
      const { node, pair, depth } = walk(path);
      if (part === 'key' && depth === path.length && pair && isScalar(pair.key) && pair.key.range) {
        return at(pair.key.range[0], pair.key.range[1]);
      }
      // A block mapping or list starts at its first entry, a line below its key: point at the
      // key the author wrote (`weights:`) rather than at an entry that is not at fault.
      if (pair && (isMap(node) || isSeq(node)) && !node.flow && isScalar(pair.key) && pair.key.range) {
        return at(pair.key.range[0], pair.key.range[1]);
      }
      if (node && node.range) return at(node.range[0], node.range[1]);
      // A key with an empty value (`rate:`) has a null node: point at its key.
      if (pair && isScalar(pair.key) && pair.key.range) return at(pair.key.range[0], pair.key.range[1]);
      return { file, line: 1, col: 1 };
    },
    numberText(path) {
      const { node, depth } = walk(path);
      if (depth !== path.length || !isScalar(node) || typeof node.value !== 'number' || !node.range) return undefined;
      return text.slice(node.range[0], node.range[1]).trim();
    },
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
