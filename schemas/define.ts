// Typed identity helpers for route files written in TypeScript. They do nothing at run time; they
// give the editor the document's type, so `defineCustomer({ ... })` autocompletes and a typo in a
// property name is an error where it is typed. The types come from the JSON Schemas (./types.ts).
import type {
  Carrier,
  CarrierCard,
  Customer,
  CustomerCard,
  Network,
  NumberList,
  PrefixSet,
  RouteTest,
  Schedule,
} from './types.js';

// Route files import both the helpers and the types from 'dialplane', which resolves here.
export type * from './types.js';

export const defineNetwork = (network: Network): Network => network;
export const defineCarrier = (carrier: Carrier): Carrier => carrier;
export const defineCarrierCard = (card: CarrierCard): CarrierCard => card;
export const defineCustomerCard = (card: CustomerCard): CustomerCard => card;
export const defineCustomer = (customer: Customer): Customer => customer;
export const definePrefixSet = (set: PrefixSet): PrefixSet => set;
export const defineNumberList = (list: NumberList): NumberList => list;
export const defineSchedule = (schedule: Schedule): Schedule => schedule;
export const defineRouteTest = (test: RouteTest): RouteTest => test;
