// Builds resolved RouteRepository objects in memory for flatten / artefact tests, without files.
import type { SourceDocument, DocumentKind } from '../../compiler/source.js';
import { DeckBuilder, DESTINATION_TYPE_INDEX, ALWAYS } from '../../compiler/model/deck.js';
import type * as M from '../../compiler/model/model.js';

export function fakeDoc(kind: DocumentKind, file: string): SourceDocument {
  return {
    kind, file, absPath: `/virtual/${file}`, format: 'yaml', value: {},
    locate: () => ({ file, line: 1, col: 1 }),
    numberText: () => undefined,
  };
}

export interface RowSpec {
  prefix: string;
  rate: number;
  connectFee?: number;
  initial?: number;
  increment?: number;
  type?: string;
  destination?: string;
  effective?: number;
}

export function deck(id: string, carrier: string, rows: RowSpec[], currency = 'USD'): M.Deck {
  const b = new DeckBuilder(4);
  rows.forEach((r, i) => b.push({
    prefix: r.prefix, destination: r.destination ?? `dest ${r.prefix}`, rate: r.rate, connectFee: r.connectFee ?? 0,
    initial: r.initial ?? 60, increment: r.increment ?? 60, type: DESTINATION_TYPE_INDEX.get(r.type ?? 'fixed')!,
    effective: r.effective ?? ALWAYS, line: i + 2,
  }));
  return { doc: fakeDoc('carrier-card', `carrier-cards/${id}.yaml`), path: [], id, name: id, carrier, currency, dataFile: `carrier-cards/${id}.csv`, format: 'csv', rows: b.finish() };
}

export function carrier(id: string, gateways = 1): M.Carrier {
  return {
    doc: fakeDoc('carrier', `carriers/${id}.yaml`), path: [], id, name: id, enabled: true,
    gateways: Array.from({ length: gateways }, (_, i) => ({
      doc: fakeDoc('carrier', `carriers/${id}.yaml`), path: ['gateways', i], id: `gw${i + 1}`, host: `192.0.2.${i + 1}`, port: 5060,
      transport: 'udp' as const, weight: 1, hashIndex: i + 1, enabled: true, limits: {},
    })),
    distribution: { method: 'weighted' }, limits: {}, egress: { strip: 0, prefix: '', suffix: '', techPrefix: '' },
    failover: { codes: ['5xx', '408'], stopCodes: [] },
  };
}

export function card(id: string, parents: string[], over: Partial<M.CustomerCard> = {}): M.CustomerCard {
  return {
    doc: fakeDoc('customer-card', `customer-cards/${id}.yaml`), path: [], id, name: id, currency: 'USD', parents, compact: 'min',
    markup: { percentMicros: 0, fixed: 0, floor: 0 }, billing: { initial: 1, increment: 1 }, connectFee: 0, strategy: 'lcr',
    priority: [], weights: new Map(), overrides: [], ...over,
  };
}

export function route(id: string, customer: string, cardId: string, over: Partial<M.IngressRoute> = {}): M.IngressRoute {
  return {
    doc: fakeDoc('customer', `customers/${customer}.yaml`), path: ['routes', 0], id, customer, enabled: true, techPrefix: '',
    dial: { any: true, prefixes: [], regex: [], prefixSets: [] }, card: cardId, profitAssurance: false, blockConnectCost: false,
    maxDurationSeconds: 3600, limits: {}, lock: [], exclude: [], dnc: [], blockTypes: [], numberActions: { called: [], calling: [] }, ...over,
  };
}

export function customer(id: string, routes: M.IngressRoute[], ips: string[] = []): M.Customer {
  return {
    doc: fakeDoc('customer', `customers/${id}.yaml`), path: [], id, name: id, enabled: true,
    ips: ips.map((text, i) => {
      const [address, len] = text.split('/');
      const family = address!.includes(':') ? 6 : 4;
      return { address: address!, family, prefixLength: len ? Number(len) : family === 4 ? 32 : 128, text, path: ['auth', 'ips', i] };
    }),
    users: [], limits: {}, cli: { allow: [] }, routes,
  };
}

export function repository(parts: {
  decks: M.Deck[];
  cards: M.CustomerCard[];
  customers: M.Customer[];
  fx?: [string, number][];
  currency?: string;
}): M.RouteRepository {
  const carriers = new Map<string, M.Carrier>();
  for (const d of parts.decks) if (!carriers.has(d.carrier)) carriers.set(d.carrier, carrier(d.carrier));
  return {
    root: '/virtual',
    network: {
      doc: fakeDoc('network', 'network.yaml'), path: [], name: 'test', currency: parts.currency ?? 'USD', timezone: 'UTC',
      maxTargets: 5, maxDurationSeconds: 3600, fx: new Map(parts.fx ?? []), reasons: {} as M.Network['reasons'],
    },
    carriers,
    decks: new Map(parts.decks.map((d) => [d.id, d])),
    cards: new Map(parts.cards.map((c) => [c.id, c])),
    customers: new Map(parts.customers.map((c) => [c.id, c])),
    prefixSets: new Map(),
    numberLists: new Map(),
    schedules: new Map(),
    tests: new Map(),
  };
}
