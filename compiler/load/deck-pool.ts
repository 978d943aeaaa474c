// Carrier decks loaded in parallel. The resolver asks for decks one at a time (loadCsvDeck, in
// document order); before it starts, the pipeline hands every CSV deck of the repository to a pool
// of worker threads (deck-worker.ts), one deck per thread at a time, so that when the resolver asks
// for a deck it is usually read already. A deck comes back as typed arrays (transferred, not
// copied) and a string table, with what its load reported as data; loadCsvDeck replays that into
// the check's DiagnosticBag when the resolver gets to the deck, so diagnostics arrive in the same
// order, with the same cap, as when each deck is read on the spot.
//
// A small repository does not pay for threads: below PARALLEL_MIN_BYTES of CSV decks, with a single
// deck, or on a single core, nothing is started and loadCsvDeck reads each deck itself.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CarrierCard, CsvSource } from '../../schemas/types.js';
import type { DiagnosticBag, Location, RelatedLocation } from '../diagnostics.js';
import type { DiagnosticCode } from '../messages.js';
import { parseMoneyValue } from '../money.js';
import { DESTINATION_TYPE_INDEX } from '../model/deck.js';
import type { SourceDocument } from '../source.js';
import type { PackedDeck } from './deck-csv-bytes.js';
import type { DeckDefaults, DeckField, LoadCsvDeckOptions } from './deck-csv.js';

/** Starting a worker and loading the deck modules in it costs ~50 ms of a core: worth it from here. */
export const PARALLEL_MIN_BYTES = 16 << 20;

export interface DeckJob {
  id: number;
  absPath: string;
  file: string;
  source: CsvSource;
  defaults: DeckDefaults;
  /** The check's diagnostics cap: reports beyond it only need counting. */
  maxDiagnostics: number;
}

/** What a deck's load said, in order. */
export type DeckLoadEvent =
  | { kind: 'report'; code: DiagnosticCode; at: Location; message: string; related?: RelatedLocation[] }
  /** Reports past the cap, per code (in the order each code first came). */
  | { kind: 'counts'; counts: Map<DiagnosticCode, number> }
  | { kind: 'missing'; field: DeckField; name: string; message: string; header: Location }
  | { kind: 'read-error'; message: string };

export interface DeckJobResult {
  id: number;
  events: DeckLoadEvent[];
  /** Undefined when the file could not be read (a read-error event says why) or the job failed. */
  packed?: PackedDeck;
  /** The worker threw or died: the deck is read again on the main thread. */
  failed?: string;
}

/** Decks read ahead for one check, by the bag of that check: no other caller can take them. */
const readAhead = new WeakMap<DiagnosticBag, Map<string, Promise<DeckJobResult>>>();

function jobKey(o: Pick<DeckJob, 'absPath' | 'file' | 'source' | 'defaults'>): string {
  return JSON.stringify([o.absPath, o.file, o.source, o.defaults]);
}

/** The read-ahead load of exactly this deck for this check, if there is one; it is taken once. */
export function takeReadAhead(opts: LoadCsvDeckOptions): Promise<DeckJobResult> | undefined {
  const decks = readAhead.get(opts.bag);
  if (decks === undefined) return undefined;
  const key = jobKey(opts);
  const job = decks.get(key);
  decks.delete(key);
  return job;
}

/** Replays a deck's load into the caller's bag and callbacks; the rows, or undefined if unreadable. */
export function replayDeckLoad(result: DeckJobResult, opts: LoadCsvDeckOptions): PackedDeck | undefined {
  const { bag } = opts;
  for (const e of result.events) {
    switch (e.kind) {
      case 'report':
        bag.report(e.code, e.at, e.message, e.related);
        break;
      case 'counts':
        // The bag is full by now (the worker kept as many reports as it can hold): these are counted.
        for (const [code, n] of e.counts) for (let i = 0; i < n; i++) bag.report(code, { file: opts.file, line: 1, col: 1 }, '');
        break;
      case 'missing':
        if (opts.onMissingColumn) opts.onMissingColumn(e.field, e.name, e.message, e.header);
        else bag.report('DP1015', e.header, e.message);
        break;
      case 'read-error':
        opts.onReadError?.(e.message);
        return undefined;
    }
  }
  return result.packed;
}

const WORKER_FILE = fileURLToPath(new URL('./deck-worker.js', import.meta.url));

export interface DeckReadAhead {
  /** Stops the threads (those still reading are terminated) and forgets what was not taken. */
  close(): Promise<void>;
}

/**
 * Starts reading the CSV decks of a check's `documents` on worker threads, when they are large
 * enough to be worth it.
 */
export function readDecksAhead(
  root: string,
  documents: readonly SourceDocument[],
  bag: DiagnosticBag,
  maxDiagnostics: number,
  /** Use threads for any CSV deck, however small (tests). */
  always = false,
): DeckReadAhead | undefined {
  // Run from TypeScript sources (tests), there is no compiled worker to start.
  if (!existsSync(WORKER_FILE)) return undefined;
  if (!documents.some((d) => d.kind === 'network')) return undefined; // the resolver stops early
  const jobs: DeckJob[] = [];
  const keys = new Set<string>();
  let bytes = 0;
  for (const doc of documents) {
    if (doc.kind !== 'carrier-card') continue;
    const job = deckJob(root, doc, jobs.length, maxDiagnostics);
    if (job === undefined) continue;
    const key = jobKey(job);
    if (keys.has(key)) continue;
    keys.add(key);
    try {
      bytes += statSync(job.absPath).size;
    } catch {
      if (!always) continue; // unreadable: loadCsvDeck says so in its own words
    }
    jobs.push(job);
  }
  // One core: a thread would only take turns with the main one.
  if (jobs.length === 0 || (!always && (jobs.length < 2 || bytes < PARALLEL_MIN_BYTES || availableParallelism() < 2))) return undefined;

  const pool = new DeckPool(jobs, Math.min(availableParallelism(), jobs.length));
  const decks = new Map<string, Promise<DeckJobResult>>();
  jobs.forEach((job, i) => decks.set(jobKey(job), pool.results[i]!));
  readAhead.set(bag, decks);
  return {
    close: async () => {
      readAhead.delete(bag);
      await pool.close();
    },
  };
}

/**
 * The job for a carrier card's CSV deck, as the resolver will ask for it: `source.file` next to the
 * card, with the card's defaults. The card is not validated yet, so anything unexpected in it means
 * no job (the resolver then reads the deck itself, if the card turns out valid).
 */
function deckJob(root: string, doc: SourceDocument, id: number, maxDiagnostics: number): DeckJob | undefined {
  const card = doc.value as Partial<CarrierCard> | undefined;
  const source = card?.source as CsvSource | undefined;
  if (typeof source !== 'object' || source === null || typeof source.file !== 'string') return undefined;
  if ((source as { format?: string }).format === 'ime' || typeof source.columns !== 'object' || source.columns === null) return undefined;
  const delimiter = source.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') return undefined;
  try {
    const absPath = path.resolve(path.dirname(doc.absPath), source.file);
    const file = path.relative(root, absPath).split(path.sep).join('/');
    const fee = card!.defaults?.connectFee;
    const feeParse = fee === undefined ? undefined : parseMoneyValue(fee, typeof fee === 'number' ? doc.numberText(['defaults', 'connectFee']) : undefined);
    const defaults: DeckDefaults = {
      connectFee: feeParse?.ok ? feeParse.micros : 0,
      initial: card!.defaults?.billing?.initial ?? 60,
      increment: card!.defaults?.billing?.increment ?? 60,
      type: DESTINATION_TYPE_INDEX.get(card!.defaults?.type ?? 'fixed')!,
    };
    return { id, absPath, file, source, defaults, maxDiagnostics };
  } catch {
    return undefined;
  }
}

/** Worker threads taking jobs in order, one at a time each; a thread ends when the queue is empty. */
class DeckPool {
  readonly results: Promise<DeckJobResult>[];
  private readonly settle: ((r: DeckJobResult) => void)[] = [];
  private next = 0;
  private readonly workers = new Set<Worker>();

  constructor(
    private readonly jobs: DeckJob[],
    threads: number,
  ) {
    this.results = jobs.map((_, i) => new Promise<DeckJobResult>((resolve) => (this.settle[i] = resolve)));
    for (let t = 0; t < threads; t++) this.startWorker();
  }

  private startWorker(): void {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_FILE);
    } catch (err) {
      this.failRest(String(err));
      return;
    }
    worker.unref();
    this.workers.add(worker);
    let current = -1;
    const feed = (): void => {
      if (this.next >= this.jobs.length) {
        current = -1;
        this.stop(worker);
        return;
      }
      current = this.next++;
      worker.postMessage(this.jobs[current]);
    };
    worker.on('message', (result: DeckJobResult) => {
      this.settle[result.id]!(result);
      feed();
    });
    worker.on('error', (err) => {
      if (current >= 0) this.settle[current]!({ id: current, events: [], failed: String(err) });
      current = -1;
      this.workers.delete(worker);
      if (this.workers.size === 0) this.failRest(String(err));
    });
    worker.on('exit', () => {
      if (current >= 0) this.settle[current]!({ id: current, events: [], failed: 'the deck worker exited' });
      this.workers.delete(worker);
      if (this.workers.size === 0) this.failRest('the deck workers exited');
    });
    feed();
  }

  /** Jobs no thread will take: their decks are read on the main thread. */
  private failRest(reason: string): void {
    while (this.next < this.jobs.length) {
      const i = this.next++;
      this.settle[i]!({ id: i, events: [], failed: reason });
    }
  }

  private stop(worker: Worker): void {
    this.workers.delete(worker);
    void worker.terminate();
  }

  async close(): Promise<void> {
    this.failRest('closed');
    const running = [...this.workers];
    this.workers.clear();
    await Promise.all(running.map((w) => w.terminate()));
  }
}
