// Gateway choice within one carrier, compatible with Kamailio carrierroute.
//
// What carrierroute does (read in kamailio src/modules/carrierroute: cr_rule.c `add_route_rule`,
// cr_data.c `rule_fixup_recursor` / `fixup_rule_backup`, cr_func.c `rewrite_on_rule`,
// prime_hash.c `hash_func` / `first_token`, core crc.c `crc32_uint`, carrierroute.h `DICE_MAX`):
//
// 1. Load. Every target (rule) of a prefix gets `prob`; a rule with status 0 and no backup gets
//    prob 0. The file loader keeps prob in a C `float` (so 0.7 is 0.699999988…); the DB loader in a
//    `double`. Rules are kept in a list: rules of prob 0 first, the others ordered by hash_index,
//    a new rule going *before* existing rules of equal hash_index (so hashless rules end up in
//    reverse file order).
// 2. Fixup. Walking that list, `dice_to = (int)(prob * 1000 + previous dice_to)` and
//    `dice_max = (int)(dice_max + prob * 1000)`, truncating at every step. Hash indexes: explicit
//    ones take their slot, hashless rules fill the free slots in list order. A disabled rule's
//    `backup` (a hash index) is resolved to its rule.
// 3. Route (`cr_route`, algorithm crc32). `hash = crc32(first whitespace-free token of the Call-ID)`,
//    `prob = hash % dice_max`; the chosen rule is the first in list order whose `dice_to > prob`
//    (the last rule if none). If that rule is disabled, its backup is used (whatever the backup's
//    own status), else the call fails.
//    `cr_nofallback_route` instead takes the rule with hash index `hash % max_targets + 1`.
//
// Example: targets A (prob 0.5), B (0.5), both hashless and active, file mode. The list is [B, A]
// (reverse file order), dice_to B = 500, A = 1000. Call-ID "abc" → crc32 0x352441c2 = 891568578,
// 891568578 % 1000 = 578 → A.
//
// Everything is precomputed into typed arrays when an artefact is loaded; a pick is a CRC over
// the Call-ID plus a short binary search, with no allocation.

import { crc32Ascii, crc32Fold1, crc32Fold4 } from './crc32.js';

/** carrierroute's DICE_MAX: probabilities are scaled by it into integer ranges. */
export const DICE_MAX = 1000;

export interface CrTarget {
  /** carrierroute `prob` (a weight: targets need not sum to 1). */
  prob: number;
  /** carrierroute `status`: false is a deactivated target. */
  enabled: boolean;
  /** carrierroute `hash_index`, 1-based; 0 or absent = assigned from the list order. */
  hashIndex?: number;
  /** Hash index of the target that takes this one's calls while it is disabled (`backup`). */
  backup?: number;
}

/**
 * How the probability is held, as carrierroute holds it: `float32` is the config-file loader
 * (a C float), `float64` the database loader (a double). They differ at the truncations: 0.7 is
 * 699 dice points from a file, 700 from a database.
 */
export type CrPrecision = 'float32' | 'float64';

export interface CrTable {
  /** Number of targets (carrierroute `rule_num` = `max_targets`). */
  readonly size: number;
  /** Sum of the dice ranges; a hash is reduced modulo this. 0 = nothing routable. */
  readonly diceMax: number;
  /** Per list position: upper (exclusive) end of its dice range. Non-decreasing. */
  readonly diceTo: Int32Array;
  /** Per list position: the input index of the target finally used (backup applied), or -1. */
  readonly pick: Int32Array;
  /** Per list position: the input index of the rule itself (before backup). */
  readonly rule: Int32Array;
  /** Per hash index - 1: the input index finally used by `cr_nofallback_route`, or -1. */
  readonly byHashIndex: Int32Array;
  /** Per input index: the hash index carrierroute assigned. */
  readonly hashIndexOf: Int32Array;
}

export type CrBuildResult = { ok: true; table: CrTable } | { ok: false; error: string };

/** Builds the selection table for one prefix's targets, given in configuration order. */
export function buildCrTable(targets: readonly CrTarget[], precision: CrPrecision = 'float32'): CrBuildResult {
  const n = targets.length;
  if (n === 0) return { ok: false, error: 'no targets' };
  const prob = new Float64Array(n);
  const hashIndex = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = targets[i]!;
    if (!(t.prob >= 0) || !Number.isFinite(t.prob)) return { ok: false, error: `target ${i}: prob must be a finite number >= 0` };
    const hi = t.hashIndex ?? 0;
    if (!Number.isInteger(hi) || hi < 0) return { ok: false, error: `target ${i}: hash index must be an integer >= 0` };
    const hasBackup = t.backup !== undefined && t.backup >= 0;
    const p = precision === 'float32' ? Math.fround(t.prob) : t.prob;
    prob[i] = t.enabled || hasBackup ? p : 0;
    hashIndex[i] = hi;
  }

  // 1. The rule list, built by carrierroute's insertion rule.
  const list: number[] = [];
  for (let i = 0; i < n; i++) {
    let pos = 0;
    while (pos < list.length && prob[list[pos]!] === 0) pos++;
    while (pos < list.length && hashIndex[list[pos]!]! < hashIndex[i]!) pos++;
    list.splice(pos, 0, i);
  }

  // 2. Dice ranges, truncated to int at every step like the C code.
  const diceTo = new Int32Array(n);
  let diceMax = 0;
  let prev = 0;
  for (let j = 0; j < n; j++) {
    const scaled = prob[list[j]!]! * DICE_MAX;
    diceMax = Math.trunc(diceMax + scaled);
    prev = Math.trunc(scaled + prev);
    diceTo[j] = prev;
  }
  if (diceMax > 0x7fffffff) return { ok: false, error: 'probabilities too large (dice_max overflows an int)' };

  // Hash indexes: explicit first, then the free slots in list order.
  const slots = new Int32Array(n).fill(-1);
  for (let j = 0; j < n; j++) {
    const i = list[j]!;
    const hi = hashIndex[i]!;
    if (hi === 0) continue;
    if (hi > n) return { ok: false, error: `target ${i}: hash index ${hi} is larger than the number of targets (${n})` };
    if (slots[hi - 1] !== -1) return { ok: false, error: `target ${i}: duplicate hash index ${hi}` };
    slots[hi - 1] = i;
  }
  const assigned = Int32Array.from(hashIndex);
  let slot = 0;
  for (let j = 0; j < n; j++) {
    const i = list[j]!;
    if (assigned[i] !== 0) continue;
    while (slots[slot] !== -1) slot++;
    slots[slot] = i;
    assigned[i] = slot + 1;
  }

  // Backups: a disabled target with a backup hash index is replaced by that target.
  const finalOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = targets[i]!;
    if (t.enabled) {
      finalOf[i] = i;
    } else if (t.backup !== undefined && t.backup >= 0) {
      const b = t.backup >= 1 && t.backup <= n ? slots[t.backup - 1]! : -1;
      if (b < 0) return { ok: false, error: `target ${i}: backup hash index ${t.backup} does not exist` };
      finalOf[i] = b;
    } else {
      finalOf[i] = -1;
    }
  }
  const pick = new Int32Array(n);
  const rule = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    rule[j] = list[j]!;
    pick[j] = finalOf[list[j]!]!;
  }
  const byHashIndex = new Int32Array(n);
  for (let k = 0; k < n; k++) byHashIndex[k] = finalOf[slots[k]!]!;
  return { ok: true, table: { size: n, diceMax, diceTo, pick, rule, byHashIndex, hashIndexOf: assigned } };
}

/** List position chosen for a dice value in [0, diceMax): the first range ending above it. */
function position(table: CrTable, dice: number): number {
  const to = table.diceTo;
  let lo = 0;
  let hi = table.size - 1; // the last rule is taken when nothing matched ("rr->next != NULL")
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (to[mid]! > dice) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** `cr_route` with a precomputed 32-bit hash: the input index of the target, or -1 (no route). */
export function crSelectByHash(table: CrTable, hash: number): number {
  if (table.diceMax === 0) return -1;
  // As uint32 operands with a result truncated to int32 (it is below diceMax, so `| 0` changes
  // nothing) the compiler divides integers; a remainder of doubles is an x87 fprem loop.
  return table.pick[position(table, ((hash >>> 0) % (table.diceMax >>> 0)) | 0)]!;
}

/** What `crFixedPick` returns when the pick depends on the hash. */
export const CR_DEPENDS = -2;

/**
 * The input index every hash selects (or -1: every hash selects nothing) when the choice does not
 * depend on the hash, else CR_DEPENDS. One target, or several whose reachable ranges all lead to
 * the same one (a disabled target whose backup is the only other), need no hash at all:
 * `[{prob: 1, enabled: true}]` → 0 for every Call-ID.
 */
export function crFixedPick(table: CrTable): number {
  if (table.diceMax === 0) return -1;
  // Position j is reachable iff its range [diceTo[j-1], diceTo[j]) is not empty.
  let fixed = CR_DEPENDS;
  let prev = 0;
  for (let j = 0; j < table.size; j++) {
    const to = table.diceTo[j]!;
    if (to > prev) {
      const p = table.pick[j]!;
      if (fixed === CR_DEPENDS) fixed = p;
      else if (fixed !== p) return CR_DEPENDS;
    }
    prev = to;
  }
  return fixed;
}

/** `cr_route(..., "call_id")`: the input index of the target Kamailio picks for this Call-ID, or -1. */
export function crSelectByCallId(table: CrTable, callId: string): number {
  return crSelectByHash(table, crc32FirstToken(callId));
}

/** `cr_nofallback_route` with a precomputed hash: hash index `hash % size + 1`, its backup, or -1. */
export function crNofallbackSelectByHash(table: CrTable, hash: number): number {
  return table.byHashIndex[(hash >>> 0) % table.size]!;
}

/**
 * Weighted random choice with the same ranges, disabled targets and backups: `random` returns a
 * number in [0, 1) (Math.random by default).
 */
export function crSelectRandom(table: CrTable, random: () => number = Math.random): number {
  if (table.diceMax === 0) return -1;
  return table.pick[position(table, Math.floor(random() * table.diceMax))]!;
}

/** carrierroute's hash sources (`cr_route` parameter 5), as the model names them. */
export type CrHashSource = 'call-id' | 'from-uri' | 'from-user' | 'to-uri' | 'to-user';

/** What a hash source reads from a request (a parsed SIP request has all of these). */
export interface CrHashFields {
  readonly callId: string;
  /** The URI inside From / To as written: `sip:+4930123;npdi@a.example;user=phone`. */
  readonly fromUri: string;
  readonly toUri: string;
  /**
   * The user part as Kamailio's parse_uri gives it: password removed, escapes and user parameters
   * kept (`+4930123;npdi`), except that a `user=phone` URI loses its user parameters.
   */
  readonly fromUserRaw: string;
  readonly toUserRaw: string;
}

/**
 * The 32-bit hash carrierroute computes for a hash source, as verified against Kamailio 5.6:
 * call_id hashes the Call-ID's first token; from_uri / to_uri the URI text inside the header, case
 * kept; from_user / to_user the user part as written (`+4930123;npdi`, `%2B4930123`; `alice` for
 * `alice:pw@…`), without user parameters in a `user=phone` URI.
 */
export function crHash(source: CrHashSource, f: CrHashFields): number {
  switch (source) {
    case 'call-id': return crc32FirstToken(f.callId);
    case 'from-uri': return crc32Ascii(f.fromUri);
    case 'from-user': return crc32Ascii(f.fromUserRaw);
    case 'to-uri': return crc32Ascii(f.toUri);
    case 'to-user': return crc32Ascii(f.toUserRaw);
  }
}

/**
 * CRC-32 of the first token of a header value, as carrierroute's `first_token`: leading
 * whitespace skipped, the token ends at the next whitespace. `"  abc def"` hashes as `"abc"`.
 * (`crc32Ascii(value, start, end)` over the token, in one pass: four characters at a time while
 * none of them can be whitespace, i.e. all are above 32, then one by one.)
 */
export function crc32FirstToken(value: string): number {
  const len = value.length;
  // C isspace: space, \t, \n, \v, \f, \r — i.e. 32, or 9..13 ((c - 9) >>> 0 <= 4).
  let i = 0;
  while (i < len) {
    const c = value.charCodeAt(i);
    if (c !== 32 && (c - 9) >>> 0 > 4) break;
    i++;
  }
  let crc = -1;
  for (const stop = len - 3; i < stop; i += 4) {
    const c0 = value.charCodeAt(i);
    const c1 = value.charCodeAt(i + 1);
    const c2 = value.charCodeAt(i + 2);
    const c3 = value.charCodeAt(i + 3);
    if (c0 <= 32 || c1 <= 32 || c2 <= 32 || c3 <= 32) break;
    crc = crc32Fold4(crc, c0, c1, c2, c3);
  }
  for (; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c === 32 || (c - 9) >>> 0 <= 4) break;
    crc = crc32Fold1(crc, c);
  }
  return ~crc >>> 0;
}
