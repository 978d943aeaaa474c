// Number rewriting at the end of routing.
//
// Number actions are the Metaswitch edit language, executed left to right, each on the result of
// the previous one:
//   PA<digits>  add a prefix          "PA0"   : 2079460000 → 02079460000
//   PD<count>   delete leading digits "PD2"   : 442079460000 → 2079460000
//   SD<count>   delete trailing digits "SD4"  : 442079460000 → 44207946
//   R<digits>   replace the number    "R999"  : anything → 999
// One string may hold several ("PD2PA0": 442079460000 → 02079460000). R may only come first: after
// another action it would throw that action's work away (Metaswitch's own rule).
// Deleting more digits than there are leaves an empty number, as the edit describes.
//
// Carrier egress rewriting is strip N leading digits, then prefix + number + suffix, and the
// carrier's tech prefix in front of everything.
//
// Programs are compiled once (when an artefact is loaded) into small typed arrays; applying one is
// a few string slices.

const OP_PA = 1;
const OP_PD = 2;
const OP_SD = 3;
const OP_R = 4;

export interface NumberProgram {
  /** Op codes. */
  readonly ops: Uint8Array;
  /** Count for PD/SD; index into `texts` for PA/R. */
  readonly args: Int32Array;
  readonly texts: readonly string[];
  /** The source, normalised: the actions joined ("PD2PA0"). */
  readonly source: string;
}

export type NumberProgramResult = { ok: true; program: NumberProgram } | { ok: false; error: string; offset: number };

/** An empty program: the number is left as it is. */
export const IDENTITY: NumberProgram = { ops: new Uint8Array(0), args: new Int32Array(0), texts: [], source: '' };

function isDigitChar(c: number): boolean {
  // 0-9, '*', '#', '+'
  return (c >= 48 && c <= 57) || c === 42 || c === 35 || c === 43;
}

/**
 * Compiles number actions: one string of concatenated actions ("PD2PA0") or a list of them
 * (["PD2", "PA0"]), applied in order.
 */
export function compileNumberActions(actions: string | readonly string[]): NumberProgramResult {
  const source = typeof actions === 'string' ? actions : actions.join('');
  const ops: number[] = [];
  const args: number[] = [];
  const texts: string[] = [];
  let i = 0;
  const s = source;
  while (i < s.length) {
    const at = i;
    const c0 = s[i];
    let op: number;
    if (c0 === 'P' && s[i + 1] === 'A') { op = OP_PA; i += 2; }
    else if (c0 === 'P' && s[i + 1] === 'D') { op = OP_PD; i += 2; }
    else if (c0 === 'S' && s[i + 1] === 'D') { op = OP_SD; i += 2; }
    else if (c0 === 'R') { op = OP_R; i += 1; }
    else return { ok: false, error: `unknown number action at "${s.slice(at)}" (expected PA, PD, SD or R)`, offset: at };
    const start = i;
    if (op === OP_PD || op === OP_SD) {
      while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      if (i === start) return { ok: false, error: `${s.slice(at, start)} needs a count of digits`, offset: at };
      ops.push(op);
      args.push(Number.parseInt(s.slice(start, i), 10));
    } else {
      while (i < s.length && isDigitChar(s.charCodeAt(i))) i++;
      if (op === OP_PA && i === start) return { ok: false, error: 'PA needs the digits to add', offset: at };
      if (op === OP_R && ops.length > 0) return { ok: false, error: 'R (replace) can only be the first action', offset: at };
      ops.push(op);
      args.push(texts.length);
      texts.push(s.slice(start, i));
    }
  }
  return { ok: true, program: { ops: Uint8Array.from(ops), args: Int32Array.from(args), texts, source } };
}

/** Applies a compiled program to a number. */
export function applyNumberActions(program: NumberProgram, number: string): string {
  const { ops, args, texts } = program;
  let n = number;
  for (let k = 0; k < ops.length; k++) {
    const a = args[k]!;
    switch (ops[k]) {
      case OP_PA: n = texts[a]! + n; break;
      case OP_PD: n = a >= n.length ? '' : n.slice(a); break;
      case OP_SD: n = a >= n.length ? '' : n.slice(0, n.length - a); break;
      case OP_R: n = texts[a]!; break;
    }
  }
  return n;
}

export interface EgressRewrite {
  /** Leading digits removed first. */
  strip: number;
  prefix: string;
  suffix: string;
  /** The carrier's tech prefix, put in front of everything last. */
  techPrefix: string;
}

export const NO_EGRESS: EgressRewrite = { strip: 0, prefix: '', suffix: '', techPrefix: '' };

/**
 * Carrier egress rewriting: `techPrefix + prefix + number[strip:] + suffix`.
 * `{strip: 2, prefix: '0', techPrefix: '1234#'}` : 442079460000 → 1234#02079460000
 */
export function applyEgress(e: EgressRewrite, number: string): string {
  const core = e.strip > 0 ? (e.strip >= number.length ? '' : number.slice(e.strip)) : number;
  return e.techPrefix + e.prefix + core + e.suffix;
}

/**
 * The called number sent to a carrier: egress strip/prefix/suffix, then the route's number actions
 * (they come after egress rewriting), then the carrier's tech prefix, which must reach the carrier
 * whatever the actions did.
 */
export function rewriteCalled(number: string, e: EgressRewrite, program: NumberProgram): string {
  const core = e.strip > 0 ? (e.strip >= number.length ? '' : number.slice(e.strip)) : number;
  const edited = program.ops.length === 0 ? e.prefix + core + e.suffix : applyNumberActions(program, e.prefix + core + e.suffix);
  return e.techPrefix + edited;
}
