// The artefact format (`routing.dpa`), version 3: the one contract between the compiler and the
// runtime. Both sides import this file; it imports nothing. docs/artefact-format.md describes the
// same layout byte by byte for other implementations — change both together.
//
// Every record section is an array of fixed-width records of little-endian u32 words, so the
// reader is a Uint32Array view plus constant field offsets — except the two sections with one
// record per compiled prefix or per prefix shape (VALUES, SHAPES), which are bit-packed pairs
// (PACKED_PAIRS below): there every byte counts millions of times. Each field declares what it refers to
// (`FieldKind`), and the decoder checks every reference of every record before the artefact is
// used: one generic validation pass, not hand-written checks that drift from the layout.

export const MAGIC = Uint8Array.of(0x89, 0x44, 0x50, 0x41, 0x0d, 0x0a, 0x1a, 0x0a); // "\x89DPA\r\n\x1a\n"
export const FORMAT_MAJOR = 3;
export const FORMAT_MINOR = 0;
export const HEADER_BYTES = 160;
export const SECTION_ENTRY_BYTES = 16;
/** Sections start at multiples of 8 bytes; the gap is zero padding. */
export const SECTION_ALIGN = 8;
/** "No value" in an optional u32 field. */
export const NONE = 0xffff_ffff;

/** Header field byte offsets. */
export const H = {
  magic: 0,
  major: 8,
  minor: 10,
  headerBytes: 12,
  fileBytes: 16,
  sectionCount: 20,
  serial: 24, // u64
  effectiveFrom: 32, // i64, epoch ms; 0 = no dated row in use
  effectiveUntil: 40, // i64, epoch ms; 0 = no later-dated row waiting
  flags: 48,
  reserved: 52, // 12 bytes, zero
  contentHash: 64, // 32 bytes, SHA-256
  revision: 96, // 64 bytes, ASCII, NUL padded
} as const;

/** Hard limits, checked before anything else is read. */
export const LIMITS = {
  maxFileBytes: 2 ** 31 - 1,
  maxSections: 64,
  maxStrings: 2 ** 26,
  maxStringBytes: 2 ** 30,
  maxRecords: 2 ** 27,
  maxListWords: 2 ** 28,
  /** Deepest prefix a trie may hold (E.164 has 15 digits; tech prefixes are stripped first). */
  maxDepth: 32,
} as const;

export const SECTION = {
  strings: 1,
  money: 2,
  carriers: 3,
  gateways: 4,
  decks: 5,
  cards: 6,
  customers: 7,
  ipv4: 8,
  ipv6: 9,
  users: 10,
  routes: 11,
  tables: 12,
  nodes: 13,
  nodeValues: 14,
  values: 15,
  labels: 16,
  shapes: 17,
  views: 18,
  viewNodes: 19,
  rates: 20,
  lists: 21,
  schedules: 22,
  numberLists: 23,
  candidates: 26,
} as const;
/**
 * Sections a reader knows but does not require (added in 1.1; still optional in 2.0): without
 * them the runtime uses the defaults documented beside each layout.
 */
export const OPTIONAL_SECTION = {
  network: 24,
  routeDial: 25,
} as const;
export type SectionName = keyof typeof SECTION | keyof typeof OPTIONAL_SECTION;
export const SECTION_NAMES: Record<number, SectionName> = Object.fromEntries(
  [...Object.entries(SECTION), ...Object.entries(OPTIONAL_SECTION)].map(([k, v]) => [v, k as SectionName]),
) as Record<number, SectionName>;
/** Section id by name, required and optional. */
export const SECTION_ID: Record<SectionName, number> = { ...SECTION, ...OPTIONAL_SECTION };

/**
 * What a u32 word of a record means:
 * - `u32` any value; `bool` 0/1; `enum:N` below N; `flags:M` only bits of mask M;
 * - `str` a string index, `str?` the same or NONE;
 * - `money` an index into the money table, `money?` the same or NONE;
 * - `idx:S` a record index of section S, `idx?:S` the same or NONE;
 * - `list:K` a word offset into LISTS where `[count, item × count]` starts, items of kind K
 *   (`str`, `idx:S`, `u32`);
 * - `f64lo`/`f64hi` the two halves of a little-endian IEEE double (weights, never money).
 */
export type FieldKind = string;

export interface RecordLayout {
  readonly fields: readonly (readonly [name: string, kind: FieldKind])[];
}

function layout<const F extends readonly (readonly [string, FieldKind])[]>(fields: F) {
  const at = {} as { [K in F[number][0]]: number };
  fields.forEach(([name], i) => ((at as Record<string, number>)[name] = i));
  return { fields, width: fields.length, at };
}

export const CARRIER = layout([
  ['id', 'str'], ['name', 'str'], ['flags', 'flags:1'], ['distribution', 'enum:6'],
  ['cps', 'u32'], ['cpsBurst', 'u32'], ['channels', 'u32'],
  ['egressStrip', 'u32'], ['egressPrefix', 'str'], ['egressSuffix', 'str'], ['egressTechPrefix', 'str'],
  ['failoverCodes', 'list:str'], ['stopCodes', 'list:str'],
  ['gatewayFirst', 'u32'], ['gatewayCount', 'u32'],
] as const);

export const GATEWAY = layout([
  ['carrier', 'idx:carriers'], ['id', 'str'], ['host', 'str'], ['port', 'u32'], ['transport', 'enum:3'],
  ['weightLo', 'f64lo'], ['weightHi', 'f64hi'], ['hashIndex', 'u32'], ['flags', 'flags:1'],
  ['backup', 'idx?:gateways'], ['cps', 'u32'], ['cpsBurst', 'u32'], ['channels', 'u32'],
] as const);

export const DECK = layout([
  ['id', 'str'], ['name', 'str'], ['carrier', 'idx:carriers'], ['currency', 'str'], ['techPrefix', 'str'],
  ['rows', 'u32'],
] as const);

export const CARD = layout([
  ['id', 'str'], ['name', 'str'], ['currency', 'str'], ['compact', 'enum:3'], ['strategy', 'enum:6'],
  ['billingInitial', 'u32'], ['billingIncrement', 'u32'], ['connectFee', 'money'],
  ['markupPercent', 'money'], ['markupFixed', 'money'], ['markupFloor', 'money'],
  ['parents', 'list:idx:decks'],
] as const);

export const CUSTOMER = layout([
  ['id', 'str'], ['name', 'str'], ['flags', 'flags:1'], ['cps', 'u32'], ['cpsBurst', 'u32'], ['channels', 'u32'],
  ['cliAllow', 'list:str'], ['cliForce', 'str?'], ['routeFirst', 'u32'], ['routeCount', 'u32'],
] as const);

export const IPV4 = layout([['address', 'u32'], ['prefixLength', 'u32'], ['customer', 'idx:customers']] as const);

export const IPV6 = layout([
  ['a0', 'u32'], ['a1', 'u32'], ['a2', 'u32'], ['a3', 'u32'], ['prefixLength', 'u32'], ['customer', 'idx:customers'],
] as const);

export const USER = layout([['username', 'str'], ['realm', 'str'], ['ha1', 'str'], ['customer', 'idx:customers']] as const);

export const ROUTE = layout([
  ['customer', 'idx:customers'], ['id', 'str'], ['flags', 'flags:3'], ['techPrefix', 'str'], ['table', 'idx:tables'],
  ['strategy', 'enum:6'], ['maxDuration', 'u32'], ['cps', 'u32'], ['cpsBurst', 'u32'], ['channels', 'u32'],
  ['dialPrefixes', 'list:str'], ['dialRegex', 'list:str'], ['dnc', 'list:idx:numberLists'],
  ['schedule', 'idx?:schedules'], ['calledActions', 'list:str'], ['callingActions', 'list:str'],
] as const);

/**
 * A compiled (card, static filter) table: its trie is the run of NODES [nodeFirst, nodeFirst +
 * nodeCount), root first (see NODE_DIGITS); its nodes' values are found through NODE_VALUES.
 */
export const TABLE = layout([
  ['card', 'idx:cards'], ['strategy', 'enum:6'], ['flags', 'flags:7'],
  ['nodeFirst', 'u32'], ['nodeCount', 'u32'], ['prefixes', 'u32'],
  ['lock', 'list:idx:decks'], ['exclude', 'list:idx:decks'], ['providerCappedRate', 'money?'],
  ['cappedRate', 'money?'], ['blockTypes', 'u32'], ['maxDuration', 'u32'], ['weights', 'list:u32'],
  ['keys', 'u32'],
] as const);

export const SCHEDULE = layout([
  ['id', 'str'], ['timezone', 'str'], ['precedence', 'u32'], ['validFrom', 'str?'], ['validUntil', 'str?'],
  ['windows', 'list:u32'],
] as const);

export const NUMBER_LIST = layout([['id', 'str'], ['numbers', 'list:str']] as const);

/**
 * The rejection table's keys, in the order the NETWORK record stores them (code, reason phrase
 * per key). A decision names its rejection by key; the network says the SIP code and phrase.
 */
export const REASON_KEYS = [
  'ipNotAuthorised', 'unknownUser', 'noIngressRoute', 'blockedByDialplan', 'noRoutesPre', 'noRoutesLock',
  'noRoutesProfitAssurance', 'rateCapped', 'dncBlocked', 'destinationTypeBlocked', 'cliRejected',
  'addressIncomplete', 'maxCps', 'maxChannels', 'noGateway',
] as const;
export type ReasonKey = (typeof REASON_KEYS)[number];
/** What a runtime answers when an artefact has no NETWORK section (format 1.0): DESIGN.md's table. */
export const DEFAULT_REASONS: Readonly<Record<ReasonKey, readonly [code: number, reason: string]>> = {
  ipNotAuthorised: [403, 'IP Not Authorised'],
  unknownUser: [503, 'Unknown User'],
  noIngressRoute: [580, 'No Route Available'],
  blockedByDialplan: [503, 'Blocked by Dialplan'],
  noRoutesPre: [503, 'No Routes Available (Pre)'],
  noRoutesLock: [503, 'No Routes Available (Lock)'],
  noRoutesProfitAssurance: [503, 'No Routes Available (Profit Assurance)'],
  rateCapped: [503, 'Rate Capped'],
  dncBlocked: [503, 'DNC Blocked'],
  destinationTypeBlocked: [503, 'Destination Type Blocked'],
  cliRejected: [403, 'CLI Not Allowed'],
  addressIncomplete: [484, 'Address Incomplete'],
  maxCps: [503, 'Server at max cps'],
  maxChannels: [503, 'Server at max channels'],
  noGateway: [503, 'No Routes Available (U)'],
};

/**
 * NETWORK (optional section 21, format 1.1): exactly one record. name, currency, timezone,
 * maxTargets (targets a decision returns at most), maxDuration (network default, seconds), then per
 * REASON_KEYS entry its SIP code and reason phrase. Without the section: maxTargets 5 and
 * DEFAULT_REASONS.
 */
export const NETWORK = layout([
  ['name', 'str'], ['currency', 'str'], ['timezone', 'str'], ['maxTargets', 'u32'], ['maxDuration', 'u32'],
  ...REASON_KEYS.flatMap((k) => [[`${k}Code`, 'u32'], [`${k}Reason`, 'str']] as const),
] as const);

/**
 * ROUTE_DIAL (optional section 22, format 1.1): one record per route, same order as ROUTES. The
 * literal digits each dial regex anchors (compiler/dial.ts `regexLiterals`: "^44(1|2)" → 441, 442;
 * an unanchored regex → ""), so a runtime can rank routes by dial specificity without parsing
 * regexes: `literals` (strings) and, item for item, `owners` — the index in the route's dialRegex
 * list the literal belongs to. Without the section a regex claims with specificity 0.
 */
export const ROUTE_DIAL = layout([['literals', 'list:str'], ['owners', 'list:u32']] as const);

/**
 * Sections of bit-packed pairs (VALUES, SHAPES): one record per item holding two unsigned fields,
 * `low` in its low `lowBits` bits and `high` in the next `highBits`, as a little-endian integer of
 * `recordBytes` = ceil((lowBits + highBits) / 8) bytes. The widths are the fewest bits that hold
 * the largest index the field can name (so a network with fewer shapes pays fewer bits). Layout:
 * a u32 word `lowBits | highBits << 8 | recordBytes << 16`, a u32 0, the records back to back, then
 * PACKED_TAIL zero bytes (a reader may load 8 bytes at any record). Bits past lowBits + highBits
 * in a record are zero.
 */
export const PACKED_PREAMBLE_BYTES = 8;
export const PACKED_TAIL_BYTES = 8;
/** Widest field of a packed pair: indexes stay below 2^27 (LIMITS.maxRecords). */
export const PACKED_MAX_FIELD_BITS = 27;
/** Bits a field needs to hold every index below `count` (at least 1). */
export function bitsFor(count: number): number {
  return count <= 1 ? 1 : 32 - Math.clz32(count - 1);
}
/** Bytes of a packed section of `count` records of `recordBytes` each. */
export function packedSectionBytes(count: number, recordBytes: number): number {
  return PACKED_PREAMBLE_BYTES + count * recordBytes + PACKED_TAIL_BYTES;
}

/**
 * VALUES, packed pairs: a compiled prefix's answer, one per table node that has a value, in node
 * order — low = its shape (SHAPES index), high = its sell rate (MONEY index).
 */
export const VALUE_FIELDS = { low: 'idx:shapes', high: 'money' } as const;

/** What many prefixes share about the destination: its name, type and the sell connection fee. */
export const LABEL = layout([['destination', 'str'], ['meta', 'u32'], ['connectFee', 'money']] as const);

/**
 * SHAPES, packed pairs: what a compiled prefix answers besides its sell rate — low = its label
 * (LABELS index), high = the carrier decks to try in order (CANDIDATES index). The cost rows are
 * not here: they are the views' own tries, walked with the same number, so per-deck prices are
 * stored once however many cards use them.
 */
export const SHAPE_FIELDS = { low: 'idx:labels', high: 'idx:candidates' } as const;

/** CANDIDATES: the distinct candidate lists of shapes, each the views to try in order. */
export const CANDIDATES = layout([['views', 'list:idx:views']] as const);

/**
 * A deck as the cards of one currency see it: the deck's rows in force, converted to `currency`,
 * as a trie (the run of VIEW_NODES [nodeFirst, nodeFirst + nodeCount), root first) whose node
 * values are RATES indexes. One per (deck, currency) that some card uses.
 */
export const VIEW = layout([
  ['deck', 'idx:decks'], ['currency', 'str'], ['nodeFirst', 'u32'], ['nodeCount', 'u32'], ['prefixes', 'u32'],
  ['rows', 'u32'],
] as const);

/** A carrier deck row as a candidate sees it, converted to the view's currency; deduplicated. */
export const RATE = layout([
  ['deck', 'idx:decks'], ['rate', 'money'], ['connectFee', 'money'], ['initial', 'u32'], ['increment', 'u32'],
  ['type', 'u32'],
] as const);

/**
 * Trie nodes. The first word of every node: bits 0-9 say which digits have a child; bits 10-31
 * hold the index of the first child relative to the start of the trie's run (the children of a
 * node are consecutive, in digit order, so the child for digit d is first + popcount(bits below
 * d)); 0 when there is no child. Children always come after their parent, and a node's whole
 * subtree after it in one stretch (depth-first layout: a walk's deep steps stay close in memory).
 * - TABLES' nodes (section NODES) are that one word: a walk reads 4 bytes a step. Which nodes hold
 *   a value is a bitmap over NODES in NODE_VALUES, which also counts, per block of 32 nodes, the
 *   values before it: node n's value is VALUES[rank + popcount(bits of the block below n)].
 * - VIEWS' nodes (section VIEW_NODES), 2 words: then the RATES index (NONE = no own value).
 */
export const TABLE_NODE_WORDS = 1;
export const VIEW_NODE_WORDS = 2;
/** NODE_VALUES: per block of 32 NODES, [values before the block, bit i = node 32·block + i has one]. */
export const NODE_VALUE_BLOCK = 32;
/** Set bits of each 10-bit digit mask: the child for digit d is first + DIGIT_RANK[digits & ((1 << d) − 1)]. */
export const DIGIT_RANK: Uint8Array = (() => {
  const t = new Uint8Array(1024);
  for (let i = 1; i < 1024; i++) t[i] = (i & 1) + t[i >>> 1]!;
  return t;
})();

/** Set bits of a 32-bit word (NODE_VALUES ranks). */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

export const NODE_DIGITS = 0x3ff;
export const NODE_CHILD_SHIFT = 10;
/** Nodes one trie may hold: the child offset has 22 bits. */
export const MAX_TRIE_NODES = 2 ** 22;

// LABEL.meta: type (bits 0-7), reject reason (8-15); bits 16-31 zero.
export const META_TYPE_SHIFT = 0;
export const META_REASON_SHIFT = 8;

export const COMPACTS = ['min', 'max', 'average'] as const;
export const STRATEGIES = ['lcr', 'reverse-lcr', 'priority', 'weighted', 'round-robin', 'random'] as const;
/** Strategies whose order the runtime chooses per call; their candidates are stored in LCR order. */
export const DYNAMIC_STRATEGIES: ReadonlySet<string> = new Set(['weighted', 'round-robin', 'random']);
export const TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
/** CARRIER.distribution: 0 = weighted, 1 + index here = hash over that source. */
export const HASH_SOURCES = ['call-id', 'from-uri', 'from-user', 'to-uri', 'to-user'] as const;

/** Why a compiled prefix refuses the call; index = LABEL.meta reason byte. */
// Reason 4 (a provider capped rate or block-connect-cost left no carrier) is a profit-assurance
// refusal in the network's table (schemas/network.schema.json: noRoutesProfitAssurance); 1.0
// artefacts said rateCapped, which the network reserves for the route's own capped (sell) rate.
export const REJECT_REASONS = ['', 'destinationTypeBlocked', 'rateCapped', 'noRoutesLock', 'noRoutesProfitAssurance', 'noRoutesProfitAssurance'] as const;
export const REJECT = {
  none: 0,
  destinationType: 1,
  cappedRate: 2,
  lock: 3,
  providerCap: 4,
  profitAssurance: 5,
} as const;

// TABLE.flags
export const TABLE_PROFIT_ASSURANCE = 1;
export const TABLE_BLOCK_CONNECT_COST = 2;
export const TABLE_LOCK = 4;
// ROUTE.flags
export const ROUTE_ENABLED = 1;
export const ROUTE_DIAL_ANY = 2;
// CUSTOMER / CARRIER / GATEWAY flags
export const ENABLED = 1;

export const DESTINATION_TYPES = [
  'fixed', 'mobile', 'premium', 'toll-free', 'shared-cost', 'voip', 'personal', 'pager', 'satellite', 'special', 'other',
] as const;

/** The record layouts by section, for the generic validator and for `inspect`. */
export const RECORD_SECTIONS = {
  carriers: CARRIER,
  gateways: GATEWAY,
  decks: DECK,
  cards: CARD,
  customers: CUSTOMER,
  ipv4: IPV4,
  ipv6: IPV6,
  users: USER,
  routes: ROUTE,
  tables: TABLE,
  labels: LABEL,
  candidates: CANDIDATES,
  views: VIEW,
  rates: RATE,
  schedules: SCHEDULE,
  numberLists: NUMBER_LIST,
} as const;
