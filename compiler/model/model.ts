// The resolved route repository: what every loader's documents become once references, money,
// durations, addresses and schedules are checked and converted. Later phases (flatten, encode,
// diff) read only this; where a thing came from survives only as `doc` + `path` for diagnostics.
import type { SourceDocument, PathSegment } from '../source.js';
import type { DeckRows } from './deck.js';

/** Where an object was written: its document and the path of the object inside it. */
export interface Origin {
  doc: SourceDocument;
  path: PathSegment[];
}

export type ReasonKey =
  | 'ipNotAuthorised' | 'unknownUser' | 'noIngressRoute' | 'blockedByDialplan' | 'noRoutesPre'
  | 'noRoutesLock' | 'noRoutesProfitAssurance' | 'rateCapped' | 'dncBlocked' | 'destinationTypeBlocked'
  | 'cliRejected' | 'addressIncomplete' | 'maxCps' | 'maxChannels' | 'noGateway';

export interface SipReason { code: number; reason: string }

export interface Limits { cps?: number; cpsBurst?: number; channels?: number }

export interface Network extends Origin {
  name: string;
  currency: string;
  timezone: string;
  maxTargets: number;
  maxDurationSeconds: number;
  /** Network-currency micro-units bought by one unit of each other currency. */
  fx: Map<string, number>;
  reasons: Record<ReasonKey, SipReason>;
}

export type HashSource = 'call-id' | 'from-uri' | 'from-user' | 'to-uri' | 'to-user';
export const HASH_SOURCES: readonly HashSource[] = ['call-id', 'from-uri', 'from-user', 'to-uri', 'to-user'];

export interface Gateway extends Origin {
  id: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  weight: number;
  hashIndex: number;
  enabled: boolean;
  backup?: string;
  limits: Limits;
}

export interface Carrier extends Origin {
  id: string;
  name: string;
  enabled: boolean;
  gateways: Gateway[];
  distribution: { method: 'weighted' } | { method: 'hash'; hashSource: HashSource };
  limits: Limits;
  egress: { strip: number; prefix: string; suffix: string; techPrefix: string };
  failover: { codes: string[]; stopCodes: string[] };
}

export interface Deck extends Origin {
  id: string;
  name: string;
  carrier: string;
  currency: string;
  /** Repository-relative path of the data file, for row diagnostics. */
  dataFile: string;
  format: 'csv' | 'ime';
  rows: DeckRows;
  /** Tech prefix declared by an Interconnect-Made-Easy card, if any. */
  techPrefix?: string;
}

export type Compact = 'min' | 'max' | 'average';
export type Strategy = 'lcr' | 'reverse-lcr' | 'priority' | 'weighted' | 'round-robin' | 'random';

export interface Override { prefix: string; rate: number; connectFee?: number; destination?: string; path: PathSegment[] }

export interface CustomerCard extends Origin {
  id: string;
  name: string;
  currency: string;
  parents: string[];
  compact: Compact;
  /** Markup: percent in micro-percent (12.5 % → 12_500_000), fixed and floor in micro-units. */
  markup: { percentMicros: number; fixed: number; floor: number };
  billing: { initial: number; increment: number };
  connectFee: number;
  strategy: Strategy;
  priority: string[];
  weights: Map<string, number>;
  overrides: Override[];
}

export interface Cidr { address: string; family: 4 | 6; prefixLength: number; text: string; path: PathSegment[] }

export interface SipUser { username: string; realm: string; ha1: string; path: PathSegment[] }

export interface DialString {
  /** No dial string: every number is accepted. */
  any: boolean;
  prefixes: string[];
  regex: { source: string; path: PathSegment[] }[];
  prefixSets: string[];
}

export interface IngressRoute extends Origin {
  id: string;
  customer: string;
  enabled: boolean;
  techPrefix: string;
  dial: DialString;
  card: string;
  strategy?: Strategy;
  cappedRate?: number;
  providerCappedRate?: number;
  profitAssurance: boolean;
  blockConnectCost: boolean;
  maxDurationSeconds: number;
  limits: Limits;
  lock: string[];
  exclude: string[];
  dnc: string[];
  blockTypes: number[];
  schedule?: string;
  numberActions: { called: string[]; calling: string[] };
}

export interface Customer extends Origin {
  id: string;
  name: string;
  enabled: boolean;
  ips: Cidr[];
  users: SipUser[];
  limits: Limits;
  cli: { allow: string[]; force?: string };
  routes: IngressRoute[];
}

export interface PrefixSet extends Origin { id: string; name: string; prefixes: string[] }
export interface NumberList extends Origin { id: string; name: string; numbers: string[] }

export interface ScheduleWindow {
  /** 0 = Monday … 6 = Sunday. */
  days: number[];
  /** Minutes after local midnight; `until` may be ≤ `from` for a window running past midnight. */
  from: number;
  until: number;
}

export interface Schedule extends Origin {
  id: string;
  name: string;
  timezone: string;
  precedence: number;
  validFrom?: string;
  validUntil?: string;
  windows: ScheduleWindow[];
}

export interface RouteTestSuite extends Origin { id: string; name: string; value: unknown }

export interface RouteRepository {
  root: string;
  network: Network;
  carriers: Map<string, Carrier>;
  decks: Map<string, Deck>;
  cards: Map<string, CustomerCard>;
  customers: Map<string, Customer>;
  prefixSets: Map<string, PrefixSet>;
  numberLists: Map<string, NumberList>;
  schedules: Map<string, Schedule>;
  tests: Map<string, RouteTestSuite>;
}
