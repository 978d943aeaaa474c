// The program that runs inside the sandbox process (sandbox.ts starts it with `node -e`, so it
// needs no file-system grant at all). It reads one job as JSON on stdin, evaluates each route
// file in its own vm context, and writes one JSON line per file to stdout, in order.
//
// It imports only node builtins: it is sent as source text and has no module graph around it.
import vm from 'node:vm';
import { types } from 'node:util';

interface Job {
  /** Names of the identity helpers that the `dialplane` module exports. */
  helpers: string[];
  timeoutMs: number;
  files: { file: string; code: string }[];
}

type Segment = string | number;

export type ChildAnswer =
  | { ok: true; value: unknown }
  | { ok: false; reason: 'threw'; message: string; stack: string }
  | { ok: false; reason: 'timeout'; message: string }
  | { ok: false; reason: 'data'; message: string; path: Segment[] }
  | { ok: false; reason: 'no-export'; message: string };

// Route code never reaches this realm (the vm contexts forbid code generation from strings, and
// every object handed to them is built inside them), but if it ever did, these are the doors out
// of the process that the permission model leaves open; nothing below needs them.
for (const key of ['getBuiltinModule', 'binding', '_linkedBinding', 'dlopen']) {
  Reflect.deleteProperty(process, key);
}
// A route file's stray `Promise.reject()` must not end the process and the files after it.
process.on('unhandledRejection', () => {});

const MAX_DEPTH = 200;
const MAX_TEXT = 4000;

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => (input += chunk));
process.stdin.on('end', () => {
  const job = JSON.parse(input) as Job;
  for (const f of job.files) process.stdout.write(JSON.stringify(evaluate(job, f)) + '\n');
});

function evaluate(job: Job, f: Job['files'][number]): ChildAnswer {
  const context = vm.createContext(Object.create(null), {
    name: f.file,
    // `this.constructor.constructor('return process')()` is the classic vm escape: it needs
    // code generation from strings, which is off here (and in this realm, by a node flag).
    codeGeneration: { strings: false, wasm: false },
    // Promise jobs run in the context's own queue inside the timeout, not later in the process's.
    microtaskMode: 'afterEvaluate',
  });
  // Everything the route code can touch is created inside its context: the `dialplane` module,
  // `module`, `exports` and a `require` that knows only 'dialplane' (CommonJS output of an
  // `import ... from 'dialplane'`). Binary buffers go: plain data needs none, and their memory
  // lives outside the V8 heap, where --max-old-space-size does not limit it.
  const prefix = [
    '(() => {',
    `for (const k of ${JSON.stringify(UNNEEDED_GLOBALS)}) delete globalThis[k];`,
    `const dialplane = Object.freeze({ ${job.helpers.map((n) => `${JSON.stringify(n)}: (x) => x`).join(', ')} });`,
    'const module = { exports: {} };',
    "const require = (id) => { if (id === 'dialplane') return dialplane; throw new Error(`route files can import only 'dialplane', not '${id}'`); };",
    'try {',
    '(function (exports, require, module) {',
  ].join('\n');
  const suffix = [
    '',
    '}).call(module.exports, module.exports, require, module);',
    'return { exports: module.exports };',
    // Describing the thrown value may run route code (getters, toString): it stays inside the
    // timeout by happening here.
    '} catch (e) {',
    "  const message = e instanceof Error ? String(e.message) : typeof e === 'object' && e !== null ? 'a non-Error value' : String(e);",
    "  return { thrown: true, message, stack: e instanceof Error ? String(e.stack) : '' };",
    '}',
    '})()',
  ].join('\n');

  // Taken before route code runs, which may replace the context's `Object` and `Array`.
  const realm = {
    object: vm.runInContext('Object.prototype', context) as object,
    array: vm.runInContext('Array.prototype', context) as object,
  };
  let result: unknown;
  try {
    const script = new vm.Script(prefix + '\n' + f.code + suffix, {
      filename: f.file,
      lineOffset: -(prefix.split('\n').length),
    });
    result = script.runInContext(context, { timeout: job.timeoutMs });
  } catch (e) {
    // Route code's own throws were caught inside its context above. What arrives here is node's
    // timeout (an error node creates in the route's context, hence read with `own`), a syntax
    // error from this realm, or something that threw again while being described: that is not
    // touched, as its getters would run here without a timeout.
    if (own(e, 'code') === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      return { ok: false, reason: 'timeout', message: `did not finish within ${job.timeoutMs} ms` };
    }
    if (e instanceof Error) return { ok: false, reason: 'threw', message: e.message, stack: String(e.stack) };
    return { ok: false, reason: 'threw', message: 'threw a value that could not be described', stack: '' };
  }

  // Own data properties only: an inherited getter planted on Object.prototype would run here.
  if (own(result, 'thrown') === true) {
    const message = own(result, 'message');
    const stack = own(result, 'stack');
    return {
      ok: false,
      reason: 'threw',
      message: typeof message === 'string' ? message.slice(0, MAX_TEXT) : 'threw',
      stack: typeof stack === 'string' ? stack.slice(0, MAX_TEXT) : '',
    };
  }
  const exportsObject = own(result, 'exports');
  const exported =
    typeof exportsObject === 'object' && exportsObject !== null && !types.isProxy(exportsObject)
      ? Object.getOwnPropertyDescriptor(exportsObject, 'default')
      : undefined;
  if (!exported || !('value' in exported)) {
    return { ok: false, reason: 'no-export', message: 'has no default export' };
  }
  try {
    return { ok: true, value: toPlain(exported.value, [], new Set(), realm) };
  } catch (e) {
    if (e instanceof NotData) return { ok: false, reason: 'data', message: e.message, path: e.path };
    throw e;
  }
}

function own(obj: unknown, key: string): unknown {
  if (typeof obj !== 'object' || obj === null || types.isProxy(obj)) return undefined;
  const d = Object.getOwnPropertyDescriptor(obj, key);
  return d && 'value' in d ? d.value : undefined;
}

const UNNEEDED_GLOBALS = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Atomics', 'WebAssembly', 'console',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class NotData extends Error {
  constructor(message: string, readonly path: Segment[]) {
    super(message);
  }
}

/**
 * Copies the exported value into this realm as plain JSON data, refusing anything else. It reads
 * only own data properties and checks for proxies first, so no route code (getter, proxy trap)
 * runs here, outside the timeout.
 */
function toPlain(v: unknown, path: Segment[], open: Set<object>, realm: { object: object; array: object }): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw new NotData(`is ${v}, not a finite number`, path);
      return v;
    case 'undefined':
      throw new NotData('is undefined', path);
    case 'function':
      throw new NotData('is a function', path);
    case 'symbol':
      throw new NotData('is a symbol', path);
    case 'bigint':
      throw new NotData('is a bigint', path);
  }
  if (v === null) return null;
  const obj = v as object;
  if (types.isProxy(obj)) throw new NotData('is a Proxy', path);
  if (open.has(obj)) throw new NotData('refers back to itself (a cycle)', path);
  if (path.length > MAX_DEPTH) throw new NotData(`is nested deeper than ${MAX_DEPTH} levels`, path);
  const proto = Object.getPrototypeOf(obj) as object | null;
  open.add(obj);
  try {
    if (Array.isArray(obj) && proto === realm.array) {
      const out: unknown[] = [];
      for (let i = 0; i < obj.length; i++) {
        const d = Object.getOwnPropertyDescriptor(obj, i);
        if (!d) throw new NotData('is an empty array slot', [...path, i]);
        if (!('value' in d)) throw new NotData('is a getter', [...path, i]);
        out.push(toPlain(d.value, [...path, i], open, realm));
      }
      return out;
    }
    if (proto !== realm.object && proto !== null) throw new NotData(`is ${describe(obj)}, not a plain object`, path);
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const key of Reflect.ownKeys(obj)) {
      if (typeof key === 'symbol') throw new NotData('has a symbol-keyed property', path);
      const d = Object.getOwnPropertyDescriptor(obj, key)!;
      if (!d.enumerable) continue;
      if (!('value' in d)) throw new NotData('is a getter', [...path, key]);
      out[key] = toPlain(d.value, [...path, key], open, realm);
    }
    return out;
  } finally {
    open.delete(obj);
  }
}

/** "a Date", "a Map", "an instance of Money": read from descriptors, so no route code runs. */
function describe(obj: object): string {
  if (types.isDate(obj)) return 'a Date';
  if (types.isMap(obj)) return 'a Map';
  if (types.isSet(obj)) return 'a Set';
  if (types.isRegExp(obj)) return 'a RegExp';
  if (types.isPromise(obj)) return 'a Promise';
  if (types.isNativeError(obj)) return 'an Error';
  if (types.isBoxedPrimitive(obj)) return 'a boxed primitive';
  const proto = Object.getPrototypeOf(obj) as object;
  const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
  const name = typeof ctor === 'function' ? Object.getOwnPropertyDescriptor(ctor, 'name')?.value : undefined;
  return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object with a custom prototype';
}
