// One deck-loading thread of the pool in deck-pool.ts: it reads the CSV decks it is sent exactly as
// loadCsvDeck would, and sends back the rows (typed arrays, transferred) with everything the load
// would have said — diagnostics, missing columns, a read error — as data, in the order it was said,
// for the main thread to replay into its own DiagnosticBag.
import { parentPort } from 'node:worker_threads';
import type { DeckJob, DeckJobResult, DeckLoadEvent } from './deck-pool.js';
import { DiagnosticBag, type Location, type RelatedLocation } from '../diagnostics.js';
import type { DiagnosticCode } from '../messages.js';
import { loadCsvDeckRaw } from './deck-csv.js';
import { packDeck, packedBuffers } from './deck-csv-bytes.js';

/**
 * A bag that keeps what is reported as events. Past `keep` reports (more than the main bag can
 * keep after them) only the number per code is kept: the main bag counts those as dropped anyway.
 */
class RecordingBag extends DiagnosticBag {
  private kept = 0;
  private counts: Map<DiagnosticCode, number> | undefined;

  constructor(
    private readonly events: DeckLoadEvent[],
    private readonly keep: number,
  ) {
    super(Number.MAX_SAFE_INTEGER);
  }

  override report(code: DiagnosticCode, at: Location, message: string, related?: RelatedLocation[]): void {
    if (this.kept++ < this.keep) {
      this.events.push(related ? { kind: 'report', code, at, message, related } : { kind: 'report', code, at, message });
      return;
    }
    if (this.counts === undefined) {
      this.counts = new Map();
      this.events.push({ kind: 'counts', counts: this.counts });
    }
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
  }
}

async function load(job: DeckJob): Promise<{ result: DeckJobResult; transfer: ArrayBuffer[] }> {
  const events: DeckLoadEvent[] = [];
  const rows = await loadCsvDeckRaw({
    absPath: job.absPath,
    file: job.file,
    source: job.source,
    defaults: job.defaults,
    bag: new RecordingBag(events, job.maxDiagnostics),
    onMissingColumn: (field, name, message, header) => events.push({ kind: 'missing', field, name, message, header }),
    onReadError: (message) => events.push({ kind: 'read-error', message }),
  });
  const packed = rows === undefined ? undefined : 'prefixes' in rows ? rows : packDeck(rows);
  return { result: { id: job.id, events, packed }, transfer: packed ? packedBuffers(packed) : [] };
}

parentPort!.on('message', (job: DeckJob) => {
  load(job).then(
    ({ result, transfer }) => parentPort!.postMessage(result, transfer),
    (err: unknown) => parentPort!.postMessage({ id: job.id, events: [], failed: err instanceof Error ? err.stack ?? err.message : String(err) } satisfies DeckJobResult),
  );
});
