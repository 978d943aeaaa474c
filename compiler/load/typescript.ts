// TypeScript route files: type-checked together in one program, checked against the sandbox rules,
// then evaluated in the sandbox process (sandbox.ts) to a plain value. Positions come from the
// TypeScript AST, so a diagnostic about `routes[0].card` points at the `card:` the operator wrote.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import * as define from '../../schemas/define.js';
import type { DiagnosticBag, Location } from '../diagnostics.js';
import { LineIndex, type DocumentKind, type PathSegment, type SourceDocument } from '../source.js';
import { evaluateInSandbox, type SandboxAnswer } from './sandbox.js';

export interface TypeScriptFile {
  absPath: string;
  /** Repository-relative, '/'-separated, as printed in diagnostics. */
  file: string;
  kind: DocumentKind;
}

export interface TypeScriptLoadOptions {
  /** Evaluation time per file. Defaults to 2000 ms. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2000;

/** The type a file's default export must have, by the folder it is in. */
const TYPE_OF_KIND: Readonly<Record<DocumentKind, string>> = {
  network: 'Network',
  carrier: 'Carrier',
  'carrier-card': 'CarrierCard',
  'customer-card': 'CustomerCard',
  customer: 'Customer',
  'prefix-set': 'PrefixSet',
  'number-list': 'NumberList',
  schedule: 'Schedule',
  'route-test': 'RouteTest',
};

/** The identity helpers route files call; the sandbox's `dialplane` module offers the same names. */
const HELPERS: readonly string[] = Object.keys(define).filter((k) => typeof (define as Record<string, unknown>)[k] === 'function');

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // Every route file is a module even without imports: two files may both declare `const base`.
  moduleDetection: ts.ModuleDetectionKind.Force,
  // Each file is transpiled on its own for evaluation.
  isolatedModules: true,
  // No @types/node: `process`, `require` and `Buffer` are unknown names in a route file.
  types: [],
  lib: ['lib.es2022.d.ts'],
  skipLibCheck: true,
};

export async function loadTypeScriptDocuments(
  files: readonly TypeScriptFile[],
  bag: DiagnosticBag,
  options: TypeScriptLoadOptions = {},
): Promise<SourceDocument[]> {
  const sources: Source[] = [];
  for (const f of files) {
    try {
      sources.push({ ...f, tsPath: toTsPath(path.resolve(f.absPath)), text: readFileSync(f.absPath, 'utf8') });
    } catch (e) {
      bag.report('DP1007', { file: f.file, line: 1, col: 1 }, `cannot read the file: ${(e as Error).message}`);
    }
  }
  if (sources.length === 0) return [];

  const checkable = typeCheck(sources, bag);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const compiled = checkable.map((s) => {
    const out = ts.transpileModule(s.text, {
      fileName: s.file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: true },
    });
    return { source: s, code: out.outputText, mappings: (JSON.parse(out.sourceMapText!) as { mappings: string }).mappings };
  });
  const answers = compiled.length > 0 ? await evaluateInSandbox(compiled.map((c) => ({ file: c.source.file, code: c.code })), HELPERS, timeoutMs) : [];

  const documents: SourceDocument[] = [];
  compiled.forEach(({ source, mappings }, i) => {
    const doc = sourceDocument(source);
    const answer = answers[i]!;
    if (answer.ok) documents.push({ ...doc, value: answer.value });
    else reportFailure(answer, source, doc, mappings, bag);
  });
  return documents;
}

interface Source extends TypeScriptFile {
  /** The absolute path as TypeScript spells file names ('/' separators). */
  tsPath: string;
  text: string;
  sourceFile?: ts.SourceFile;
}

// --- type checking ----------------------------------------------------------------------------

/**
 * Type-checks every file in one program, plus one synthetic file per route file that assigns its
 * default export to the kind's type (`const check: Customer = value`), so a carrier written in
 * customers/ is a type error too. Returns the files fit to evaluate.
 */
function typeCheck(sources: Source[], bag: DiagnosticBag): Source[] {
  const root = packageRoot();
  const kindCheckOf = new Map<string, Source>();
  const memory = new Map<string, string>();
  for (const s of sources) {
    memory.set(s.tsPath, s.text);
    const checkPath = `${s.tsPath}.kind-check.ts`;
    kindCheckOf.set(checkPath, s);
    memory.set(
      checkPath,
      `import type { ${TYPE_OF_KIND[s.kind]} as Expected } from 'dialplane';\n` +
        // Any specifier here resolves to the route file (see createHost).
        `import value from 'route-file';\n` +
        `const check: Expected = value;\n`,
    );
  }
  const program = ts.createProgram({
    rootNames: [...memory.keys()],
    options: COMPILER_OPTIONS,
    host: createHost(memory, kindCheckOf, root),
  });
  const checker = program.getTypeChecker();

  const fit: Source[] = [];
  for (const s of sources) {
    const sf = program.getSourceFile(s.tsPath)!;
    s.sourceFile = sf;
    const lines = new LineIndex(s.text);
    const at = (start: number, end: number): Location => ({ file: s.file, ...lines.position(start), length: Math.max(1, end - start) });

    const violations = sandboxViolations(sf, checker);
    for (const v of violations) bag.report('DP1003', at(v.start, v.end), v.message);

    const syntactic = program.getSyntacticDiagnostics(sf);
    const typeErrors = (syntactic.length > 0 ? syntactic : program.getSemanticDiagnostics(sf)).filter(
      // An import of 'node:fs' is DP1003 already; TypeScript's "cannot find module" adds nothing.
      (d) => d.category === ts.DiagnosticCategory.Error && !violations.some((v) => d.start! >= v.spanStart && d.start! < v.spanEnd),
    );
    for (const d of typeErrors) bag.report('DP1002', at(d.start ?? 0, (d.start ?? 0) + (d.length ?? 1)), messageText(d));

    const moduleSymbol = checker.getSymbolAtLocation(sf);
    const hasDefault = moduleSymbol !== undefined && checker.getExportsOfModule(moduleSymbol).some((e) => e.escapedName === 'default');
    if (!hasDefault) {
      bag.report('DP1004', { file: s.file, line: 1, col: 1 }, `has no default export: a route file must \`export default\` its ${TYPE_OF_KIND[s.kind]}`);
      continue;
    }
    let kindErrors = 0;
    if (syntactic.length === 0) {
      const exported = defaultExport(sf) ?? sf;
      for (const d of program.getSemanticDiagnostics(program.getSourceFile(`${s.tsPath}.kind-check.ts`)!)) {
        kindErrors++;
        bag.report(
          'DP1002',
          at(exported.getStart(sf), exported.end),
          `the default export of a file in ${s.kind}s must be a ${TYPE_OF_KIND[s.kind]}: ${messageText(d)}`,
        );
      }
    }
    if (violations.length === 0 && typeErrors.length === 0 && kindErrors === 0) fit.push(s);
  }
  return fit;
}

const sharedFiles = new Map<string, ts.SourceFile>();

/**
 * A host that reads only the route files (from memory), this package's schemas and TypeScript's
 * lib files. 'dialplane' resolves to schemas/define.ts; a route file's other imports resolve to
 * nothing (they are sandbox errors), and `/// <reference path>` cannot pull in other files.
 */
function createHost(memory: Map<string, string>, kindCheckOf: Map<string, Source>, root: string): ts.CompilerHost {
  const base = ts.createCompilerHost(COMPILER_OPTIONS, true);
  const schemasDir = `${toTsPath(root)}/schemas/`;
  const libDir = `${toTsPath(path.dirname(ts.getDefaultLibFilePath(COMPILER_OPTIONS)))}/`;
  const defineFile = `${schemasDir}define.ts`;
  const shared = (f: string) => f.startsWith(schemasDir) || f.startsWith(libDir);
  const host: ts.CompilerHost = {
    ...base,
    getSourceFile(fileName, languageVersion, onError) {
      const text = memory.get(fileName);
      if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
      if (!shared(fileName)) return undefined;
      // Lib and schema files are the same for every call: parse them once per process.
      let sf = sharedFiles.get(fileName);
      if (!sf) {
        sf = base.getSourceFile(fileName, languageVersion, onError);
        if (sf) sharedFiles.set(fileName, sf);
      }
      return sf;
    },
    fileExists: (f) => memory.has(f) || (shared(f) && base.fileExists(f)),
    readFile: (f) => memory.get(f) ?? (shared(f) ? base.readFile(f) : undefined),
    resolveModuleNameLiterals(literals, containingFile, _redirected, options) {
      return literals.map((literal) => {
        if (literal.text === 'dialplane') return { resolvedModule: { resolvedFileName: defineFile, extension: ts.Extension.Ts } };
        const target = kindCheckOf.get(containingFile);
        if (target) return { resolvedModule: { resolvedFileName: target.tsPath, extension: extensionOf(target.tsPath) } };
        if (shared(containingFile)) return ts.resolveModuleName(literal.text, containingFile, options, host);
        return { resolvedModule: undefined };
      });
    },
    resolveTypeReferenceDirectiveReferences: (refs) => refs.map(() => ({ resolvedTypeReferenceDirective: undefined })),
  };
  return host;
}

function extensionOf(file: string): ts.Extension {
  return file.endsWith('.mts') ? ts.Extension.Mts : file.endsWith('.cts') ? ts.Extension.Cts : ts.Extension.Ts;
}

function messageText(d: ts.Diagnostic): string {
  return `${ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/\s+/g, ' ').trim()} (TS${d.code})`;
}

let root: string | undefined;

/** The dialplane package root: from source under vitest, or from dist/compiler/load after tsc. */
function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === 'dialplane') return (root = dir);
    } catch {
      // no package.json here: keep walking up
    }
    if (path.dirname(dir) === dir) throw new Error('dialplane: cannot find the package root above ' + import.meta.url);
  }
}

function toTsPath(p: string): string {
  return p.split(path.sep).join('/');
}

// --- sandbox rules ----------------------------------------------------------------------------

interface Violation {
  start: number;
  end: number;
  message: string;
  /** TypeScript's own errors inside this span are the same problem said again. */
  spanStart: number;
  spanEnd: number;
}

/**
 * Route files are data written in code: they may import 'dialplane' and nothing else. The sandbox
 * would stop the rest at run time too; refusing it here gives the position and a clear reason.
 */
function sandboxViolations(sf: ts.SourceFile, checker: ts.TypeChecker): Violation[] {
  const out: Violation[] = [];
  const flag = (node: ts.Node, message: string, span: ts.Node = node) =>
    out.push({ start: node.getStart(sf), end: node.end, message, spanStart: span.getStart(sf), spanEnd: span.end });
  for (const ref of [...sf.referencedFiles, ...sf.typeReferenceDirectives]) {
    out.push({ start: ref.pos, end: ref.end, message: 'a `/// <reference>` to another file is not allowed in a route file', spanStart: ref.pos, spanEnd: ref.end });
  }
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      const spec = node.moduleSpecifier;
      if (!ts.isStringLiteral(spec) || spec.text !== 'dialplane') {
        flag(spec, `route files can import only 'dialplane', not ${spec.getText(sf)}`, node);
      }
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      flag(node.moduleReference, 'require() is not allowed in a route file: use `import { ... } from \'dialplane\'`', node);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      flag(node, 'dynamic import() is not allowed in a route file');
    } else if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
      flag(node, 'import.meta is not available in a route file');
    } else if (ts.isIdentifier(node) && node.text === 'require' && isReference(node) && !isLocalBinding(checker.getSymbolAtLocation(node), sf)) {
      const call = ts.isCallExpression(node.parent) && node.parent.expression === node ? node.parent : node;
      flag(call, 'require() is not allowed in a route file: use `import { ... } from \'dialplane\'`');
    } else if (ts.isIdentifier(node) && HOST_GLOBALS.has(node.text) && isReference(node) && !isLocalBinding(checker.getSymbolAtLocation(node), sf)) {
      // Without this the author would read "Cannot find name 'process'… install @types/node", the
      // opposite of the advice they need: the sandbox has no host objects at all.
      flag(node, `${node.text} is not available in a route file: route files see no host, environment or file system`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Node host objects a route file might reach for; the sandbox provides none of them. */
const HOST_GLOBALS = new Set(['process', 'Buffer', 'global', '__dirname', '__filename', 'module', 'exports']);

/** A name the file itself binds; `declare const require: ...` only claims one exists. */
function isLocalBinding(symbol: ts.Symbol | undefined, sf: ts.SourceFile): boolean {
  return (symbol?.declarations ?? []).some(
    (d) => d.getSourceFile() === sf && !(ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Ambient),
  );
}

/** `require` used as a value, not as a property name (`x.require`, `{ require: 1 }`). */
function isReference(id: ts.Identifier): boolean {
  const parent = id.parent as ts.Node & { name?: ts.Node };
  return ts.isShorthandPropertyAssignment(parent) || parent.name !== id;
}

// --- evaluation results -----------------------------------------------------------------------

function reportFailure(answer: Exclude<SandboxAnswer, { ok: true }>, source: Source, doc: Omit<SourceDocument, 'value'>, mappings: string, bag: DiagnosticBag): void {
  const exported = exportLocation(source);
  switch (answer.reason) {
    case 'timeout':
    case 'limit':
      bag.report('DP1005', exported, `evaluating the file ${answer.message}`);
      return;
    case 'no-export':
      bag.report('DP1004', exported, answer.message);
      return;
    case 'data': {
      const where = answer.path.length === 0 ? 'the default export' : formatPath(answer.path);
      bag.report('DP1004', doc.locate(answer.path), `${where} ${answer.message}: a route file must export plain data (objects, arrays, strings, finite numbers, booleans, null)`);
      return;
    }
    case 'threw':
      bag.report('DP1004', throwLocation(answer.stack, source, mappings) ?? exported, `threw while being evaluated: ${answer.message}`);
  }
}

/** routes[0].card */
function formatPath(p: readonly PathSegment[]): string {
  return p.map((s, i) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? (i === 0 ? s : `.${s}`) : `[${JSON.stringify(s)}]`)).join('');
}

function exportLocation(source: Source): Location {
  const sf = source.sourceFile!;
  const node = defaultExport(sf);
  if (!node) return { file: source.file, line: 1, col: 1 };
  const start = node.getStart(sf);
  return { file: source.file, ...new LineIndex(source.text).position(start), length: Math.max(1, node.end - start) };
}

/** The first frame of the stack in this file, mapped through the transpiler's source map. */
function throwLocation(stack: string, source: Source, mappings: string): Location | undefined {
  const frame = new RegExp(`${source.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`, 'g');
  for (const m of stack.matchAll(frame)) {
    const at = originalPosition(mappings, Number(m[1]), Number(m[2]));
    if (at) return { file: source.file, ...at };
  }
  return undefined;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Source-map lookup, 1-based in and out. Segments are VLQ deltas: the generated column restarts
 * on each line, the source line and column carry over from segment to segment across lines.
 */
function originalPosition(mappings: string, line: number, col: number): { line: number; col: number } | undefined {
  let srcLine = 0;
  let srcCol = 0;
  let found: { line: number; col: number } | undefined;
  const lines = mappings.split(';');
  for (let l = 0; l < line && l < lines.length; l++) {
    let genCol = 0;
    for (const segment of lines[l]!.split(',')) {
      if (segment === '') continue;
      const f = decodeVlq(segment);
      genCol += f[0]!;
      if (f.length < 4) continue;
      srcLine += f[2]!;
      srcCol += f[3]!;
      if (l === line - 1 && genCol <= col - 1) found = { line: srcLine + 1, col: srcCol + 1 };
    }
  }
  return found;
}

function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = BASE64.indexOf(ch);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
    } else {
      out.push(value % 2 === 1 ? -((value - 1) / 2) : value / 2);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

// --- positions --------------------------------------------------------------------------------

/** locate() and numberText() over the TypeScript AST. */
function sourceDocument(source: Source): Omit<SourceDocument, 'value'> {
  const sf = source.sourceFile!;
  const lines = new LineIndex(source.text);
  const file = source.file;
  const at = (node: ts.Node): Location => {
    const start = node.getStart(sf);
    return { file, ...lines.position(start), length: Math.max(1, node.end - start) };
  };
  const consts = topLevelConsts(sf);

  // Follows the default export down the path as far as the source spells it out literally.
  const walk = (p: readonly PathSegment[]) => {
    let node: ts.Node | undefined = defaultExport(sf);
    let key: ts.Node | undefined;
    let depth = 0;
    if (!node) return { node, key, depth };
    for (const seg of p) {
      const container = resolveValue(node, consts);
      const next: { value: ts.Node; key?: ts.Node } | undefined = ts.isObjectLiteralExpression(container)
        ? member(container, String(seg), consts)
        : ts.isArrayLiteralExpression(container) && typeof seg === 'number'
          ? wrap(element(container, seg, consts))
          : undefined;
      if (!next) break;
      node = next.value;
      key = next.key;
      depth++;
    }
    return { node: resolveValue(node, consts), key, depth };
  };

  return {
    kind: source.kind,
    file,
    absPath: source.absPath,
    format: 'ts',
    locate(p, part = 'value') {
      const { node, key, depth } = walk(p);
      if (!node) return { file, line: 1, col: 1 };
      if (part === 'key' && key && depth === p.length) return at(key);
      return at(node);
    },
    numberText(p) {
      const { node, depth } = walk(p);
      if (!node || depth !== p.length) return undefined;
      if (ts.isNumericLiteral(node)) return node.getText(sf);
      if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(node.operand)) {
        return `-${node.operand.getText(sf)}`;
      }
      return undefined;
    },
  };
}

function wrap(node: ts.Node | undefined): { value: ts.Node } | undefined {
  return node ? { value: node } : undefined;
}

/** `export default <expr>`, `export { x as default }`, or `export default function/class`. */
function defaultExport(sf: ts.SourceFile): ts.Node | undefined {
  for (const st of sf.statements) {
    if (ts.isExportAssignment(st) && !st.isExportEquals) return st.expression;
    if (ts.isExportDeclaration(st) && !st.moduleSpecifier && st.exportClause && ts.isNamedExports(st.exportClause)) {
      const spec = st.exportClause.elements.find((e) => e.name.text === 'default');
      if (spec) return spec.propertyName ?? spec.name;
    }
    const modifiers = ts.canHaveModifiers(st) ? ts.getModifiers(st) : undefined;
    if (modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) return st;
  }
  return undefined;
}

function topLevelConsts(sf: ts.SourceFile): Map<string, ts.Expression> {
  const out = new Map<string, ts.Expression>();
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st) || !(st.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const d of st.declarationList.declarations) {
      if (ts.isIdentifier(d.name) && d.initializer) out.set(d.name.text, d.initializer);
    }
  }
  return out;
}

/**
 * The expression that spells out a value: through parentheses, `as`, `satisfies`, `!`,
 * `defineX(...)` and names of top-level consts. `defineCustomer(base)` with `const base = {...}`
 * => the object literal.
 */
function resolveValue(node: ts.Node, consts: Map<string, ts.Expression>): ts.Node {
  for (let hops = 0; hops < 64; hops++) {
    if (
      ts.isParenthesizedExpression(node) ||
      ts.isAsExpression(node) ||
      ts.isSatisfiesExpression(node) ||
      ts.isTypeAssertionExpression(node) ||
      ts.isNonNullExpression(node)
    ) {
      node = node.expression;
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && isHelper(node.expression)) {
      node = node.arguments[0]!;
    } else if (ts.isIdentifier(node) && consts.has(node.text)) {
      node = consts.get(node.text)!;
    } else {
      break;
    }
  }
  return node;
}

function isHelper(callee: ts.Expression): boolean {
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  return name !== undefined && HELPERS.includes(name);
}

/** The property that sets `key`: the last one written wins, as in JavaScript, spreads included. */
function member(obj: ts.ObjectLiteralExpression, key: string, consts: Map<string, ts.Expression>, depth = 0): { value: ts.Node; key: ts.Node } | undefined {
  for (let i = obj.properties.length - 1; i >= 0; i--) {
    const p = obj.properties[i]!;
    if (ts.isSpreadAssignment(p)) {
      const inner = resolveValue(p.expression, consts);
      const hit = ts.isObjectLiteralExpression(inner) && depth < 16 ? member(inner, key, consts, depth + 1) : undefined;
      if (hit) return hit;
    } else if (p.name && propertyName(p.name) === key) {
      if (ts.isPropertyAssignment(p)) return { value: p.initializer, key: p.name };
      return { value: ts.isShorthandPropertyAssignment(p) ? p.name : p, key: p.name };
    }
  }
  return undefined;
}

function propertyName(name: ts.PropertyName): string | undefined {
  const literal = ts.isComputedPropertyName(name) ? name.expression : name;
  if (ts.isIdentifier(literal) || ts.isPrivateIdentifier(literal) || ts.isStringLiteralLike(literal)) return literal.text;
  if (ts.isNumericLiteral(literal)) return String(Number(literal.text));
  return undefined;
}

/** Element `index`, counting through spreads of array literals (`[...common, extra]`). */
function element(arr: ts.ArrayLiteralExpression, index: number, consts: Map<string, ts.Expression>, depth = 0): ts.Node | undefined {
  let i = 0;
  for (const el of arr.elements) {
    if (ts.isSpreadElement(el)) {
      const inner = resolveValue(el.expression, consts);
      // A spread of something not written out here: the indices after it are unknown.
      const n = ts.isArrayLiteralExpression(inner) && depth < 16 ? literalLength(inner, consts, depth + 1) : undefined;
      if (n === undefined) return undefined;
      if (index < i + n) return element(inner as ts.ArrayLiteralExpression, index - i, consts, depth + 1);
      i += n;
    } else {
      if (i === index) return el;
      i++;
    }
  }
  return undefined;
}

function literalLength(arr: ts.ArrayLiteralExpression, consts: Map<string, ts.Expression>, depth: number): number | undefined {
  let n = 0;
  for (const el of arr.elements) {
    if (!ts.isSpreadElement(el)) {
      n++;
      continue;
    }
    const inner = resolveValue(el.expression, consts);
    const m = ts.isArrayLiteralExpression(inner) && depth < 16 ? literalLength(inner, consts, depth + 1) : undefined;
    if (m === undefined) return undefined;
    n += m;
  }
  return n;
}
