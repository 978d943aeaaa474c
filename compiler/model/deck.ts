// A carrier deck's rows, columnar: 300k rows are a handful of typed arrays, not 300k objects.
// Every loader (CSV, Interconnect-Made-Easy JSON) fills the same DeckRows.

export const DESTINATION_TYPES = [
  'fixed', 'mobile', 'premium', 'toll-free', 'shared-cost', 'voip', 'personal', 'pager', 'satellite', 'special', 'other',
] as const;
export type DestinationTypeName = (typeof DESTINATION_TYPES)[number];
export const DESTINATION_TYPE_INDEX: ReadonlyMap<string, number> = new Map(DESTINATION_TYPES.map((t, i) => [t, i]));

/** Sentinel for "no effective date": the row has always applied. */
export const ALWAYS = 0;

export interface DeckRows {
  readonly count: number;
  /** Dialled-number prefix of each row (digits). */
  readonly prefix: string[];
  /** Index into `names` per row. */
  readonly destination: Uint32Array;
  /** Distinct destination names, in first-seen order ("" when the deck has none). */
  readonly names: string[];
  /** Rate per minute in micro-units of the deck currency. */
  readonly rate: Float64Array;
  /** Connection fee in micro-units. */
  readonly connectFee: Float64Array;
  /** Billing increments in seconds. */
  readonly initial: Uint16Array;
  readonly increment: Uint16Array;
  /** Index into DESTINATION_TYPES. */
  readonly type: Uint8Array;
  /** Effective-from time as epoch milliseconds UTC, or ALWAYS. */
  readonly effective: Float64Array;
  /** 1-based line in the data file that wrote the row, for diagnostics. */
  readonly line: Uint32Array;
}

export interface DeckRow {
  prefix: string;
  destination: string;
  rate: number;
  connectFee: number;
  initial: number;
  increment: number;
  type: number;
  effective: number;
  line: number;
}

/** Appends rows into growing typed arrays, then trims them once. */
export class DeckBuilder {
  private n = 0;
  private cap: number;
  private prefix: string[] = [];
  private destination: Uint32Array;
  private names: string[] = [];
  private nameIndex = new Map<string, number>();
  private rate: Float64Array;
  private connectFee: Float64Array;
  private initial: Uint16Array;
  private increment: Uint16Array;
  private type: Uint8Array;
  private effective: Float64Array;
  private line: Uint32Array;

  constructor(initialCapacity = 1024) {
    this.cap = initialCapacity;
    this.destination = new Uint32Array(this.cap);
    this.rate = new Float64Array(this.cap);
    this.connectFee = new Float64Array(this.cap);
    this.initial = new Uint16Array(this.cap);
    this.increment = new Uint16Array(this.cap);
    this.type = new Uint8Array(this.cap);
    this.effective = new Float64Array(this.cap);
    this.line = new Uint32Array(this.cap);
  }

  get count(): number {
    return this.n;
  }

  push(row: DeckRow): void {
    this.pushRow(row.prefix, this.nameId(row.destination), row.rate, row.connectFee, row.initial, row.increment, row.type, row.effective, row.line);
  }

  /** Index of a destination name in `names`, adding it (first-seen order) if new. */
  nameId(destination: string): number {
    let name = this.nameIndex.get(destination);
    if (name === undefined) {
      name = this.names.length;
      this.names.push(destination);
      this.nameIndex.set(destination, name);
    }
    return name;
  }

  /** push() without a row object: `name` comes from nameId(). */
  pushRow(prefix: string, name: number, rate: number, connectFee: number, initial: number, increment: number, type: number, effective: number, line: number): void {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.prefix.push(prefix);
    this.destination[i] = name;
    this.rate[i] = rate;
    this.connectFee[i] = connectFee;
    this.initial[i] = initial;
    this.increment[i] = increment;
    this.type[i] = type;
    this.effective[i] = effective;
    this.line[i] = line;
  }

  finish(): DeckRows {
    const n = this.n;
    return {
      count: n,
      prefix: this.prefix,
      destination: this.destination.slice(0, n),
      names: this.names,
      rate: this.rate.slice(0, n),
      connectFee: this.connectFee.slice(0, n),
      initial: this.initial.slice(0, n),
      increment: this.increment.slice(0, n),
      type: this.type.slice(0, n),
      effective: this.effective.slice(0, n),
      line: this.line.slice(0, n),
    };
  }

  private grow(): void {
    this.cap *= 2;
    const g = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(this.cap);
      b.set(a as never);
      return b;
    };
    this.destination = g(this.destination, (n) => new Uint32Array(n));
    this.rate = g(this.rate, (n) => new Float64Array(n));
    this.connectFee = g(this.connectFee, (n) => new Float64Array(n));
    this.initial = g(this.initial, (n) => new Uint16Array(n));
    this.increment = g(this.increment, (n) => new Uint16Array(n));
    this.type = g(this.type, (n) => new Uint8Array(n));
    this.effective = g(this.effective, (n) => new Float64Array(n));
    this.line = g(this.line, (n) => new Uint32Array(n));
  }
}
