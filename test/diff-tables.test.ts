// The prefix-by-prefix comparison on a tiny network: effective (inherited) entries are compared,
// compacted rows cost nothing, only what a route's dial string reaches counts, and first place
// moves are attributed to carriers.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffArtefacts, type DiffReport } from '../compiler/diff/diff.js';
import { loadSide } from '../compiler/diff/sides.js';

/** Temp dirs this file makes, removed after its tests. */
const temps: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** One network: carriers a and b, one deck each (rows "prefix,name,rate"), one LCR card, two routes. */
function network(decks: { a: string[]; b: string[] }): string {
  const dir = tempDir('dp-difft-');
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  write('network.yaml', 'currency: USD\n');
  for (const c of ['a', 'b'] as const) {
    write(`carriers/${c}.yaml`, `id: ${c}\ngateways:\n  - { id: gw1, host: 192.0.2.${c === 'a' ? 1 : 2} }\n`);
    write(`carrier-cards/${c}-deck.yaml`, `id: ${c}-deck\ncarrier: ${c}\ncurrency: USD\nsource:\n  file: ${c}-deck.csv\n  columns: { prefix: prefix, destination: destination, rate: rate }\n`);
    write(`carrier-cards/${c}-deck.csv`, ['prefix,destination,rate', ...decks[c]].join('\n') + '\n');
  }
  write('customer-cards/lcr.yaml', 'id: lcr\nparents: [a-deck, b-deck]\ncompact: min\nstrategy: lcr\nmarkup: { percent: "0" }\n');
  write('customers/shop.yaml', [
    'id: shop', 'auth:', '  ips: ["10.0.0.0/24"]', 'routes:',
    '  - id: europe', '    dial:', '      prefixes: ["44", "33", "49"]', '    card: lcr',
    '  - id: france', '    techPrefix: "9"', '    dial:', '      regex: ["^33[0-9]+$"]', '    card: lcr',
  ].join('\n') + '\n');
  return dir;
}

async function compare(base: string, head: string): Promise<DiffReport> {
  const opts = { routes: 'routes', asOf: 0 };
  const [a, b] = await Promise.all([loadSide(base, opts), loadSide(head, opts)]);
  if (!a.ok || !b.ok) throw new Error(`${a.ok ? '' : a.message} ${b.ok ? '' : b.message}`);
  return diffArtefacts(a.artefact, b.artefact, a.info, b.info);
}

describe('diff of compiled tables', () => {
  it('compares inherited entries, ignores compacted rows and keeps each route to the numbers it can reach', async () => {
    const base = network({ a: ['44,UK,0.0100', '33,France,0.0200'], b: ['44,UK,0.0150'] });
    const head = network({
      // 447 is new and dearer than 44: at 447 base answered 44's row (inherited), head 447's.
      // 441 equals 44 and compiles away: no change. 33 is gone, 49 is new, 86 is unreachable.
      a: ['44,UK,0.0100', '441,UK,0.0100', '447,UK Mobile,0.0300', '49,Germany,0.0250', '86,China,0.0100'],
      b: ['44,UK,0.0150'],
    });
    const r = await compare(base, head);
    const europe = r.routes.find((g) => g.routes.includes('shop/europe'))!;
    expect(europe.total).toMatchObject({ changed: 3, added: 1, removed: 1, up: 1, down: 0 });
    // 447: a at 0.03 is now dearer than b at 0.015 — b takes first place, sell = min = 0.015.
    expect(europe.total.largestUp).toMatchObject({ prefix: '447', destination: 'UK Mobile', from: '0.01', to: '0.015', change: '+0.005', pct: 50 });
    expect(europe.total.firstPlace).toEqual([{ from: 'a', to: 'b', prefixes: 1 }]);
    expect(europe.destinations.map((d) => d.name).sort()).toEqual(['France', 'Germany', 'UK Mobile']);
    // The France route (regex ^33…) sees only the removal of 33.
    const france = r.routes.find((g) => g.routes.includes('shop/france'))!;
    expect(france.total).toMatchObject({ changed: 1, removed: 1, added: 0, up: 0 });
    expect(france.destinations.map((d) => d.name)).toEqual(['France']);
  });

  it('reports nothing for a re-ordered deck file that compiles to the same tables', async () => {
    const r = await compare(
      network({ a: ['44,UK,0.0100', '33,France,0.0200'], b: ['44,UK,0.0150'] }),
      network({ a: ['33,France,0.0200', '44,UK,0.0100', '441,UK,0.0100'], b: ['44,UK,0.0150'] }),
    );
    expect(r.changed).toBe(false);
    expect(r.routes).toEqual([]);
  });

  it("sees a carrier's price change under a prefix the card compacted away", async () => {
    // The card's 447 would equal its 44 (b is cheapest at both and sets the sell), so the card
    // stores only 44; a's own 447 row lives in a's deck view. Raising it moves a backup's cost
    // at 447 without touching the sell: the diff must still see it there.
    const r = await compare(
      network({ a: ['44,UK,0.0100', '447,UK,0.0200'], b: ['44,UK,0.0050'] }),
      network({ a: ['44,UK,0.0100', '447,UK,0.0300'], b: ['44,UK,0.0050'] }),
    );
    const europe = r.routes.find((g) => g.routes.includes('shop/europe'))!;
    expect(europe.total).toMatchObject({ changed: 1, up: 0, down: 0, added: 0, removed: 0, backups: 1 });
    expect(europe.destinations.map((d) => d.name)).toEqual(['UK']);
  });
});

