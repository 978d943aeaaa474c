// The contract between the decision engine and its front ends (SIP, HTTP, WebSocket, CLI):
// a call goes in as a CallQuery, a Decision comes out. Front ends never look inside the artefact.

export interface CallQuery {
  /** Source IP address of the INVITE (IPv4 or IPv6 text). */
  src: string;
  srcPort?: number;
  /** Authenticated SIP username, when the front proxy did digest auth. */
  user?: string;
  /** Dialled number as received (R-URI user), tech prefix included. */
  to: string;
  /** Calling number (From / P-Asserted-Identity user). */
  from?: string;
  callId?: string;
  /** URI inside From / To as written (carrierroute hash sources from-uri / to-uri); the user when absent. */
  fromUri?: string;
  toUri?: string;
  /** Time of the call, epoch milliseconds; now when omitted. */
  at?: number;
  /** Collect a trace of why each candidate was kept or dropped (slower; off on the hot path). */
  explain?: boolean;
}

export interface DecisionTarget {
  /** SIP URI to send the call to, rewritten number included (sip:4420…@198.51.100.7:5060;transport=udp). */
  uri: string;
  carrier: string;
  gateway: string;
  /** Carrier rate card (deck) id the cost comes from. */
  card: string;
  /** Cost per minute, decimal text in the decision's currency. */
  cost: string;
  /** Sell minus cost per minute, decimal text. */
  margin: string;
}

export interface DroppedCandidate {
  carrier: string;
  card: string;
  /** Why: 'lock', 'exclude', 'provider-capped-rate', 'connect-cost', 'profit-assurance', 'carrier-disabled', 'no-gateway', 'cps', 'channels', … */
  why: string;
}

export interface Decision {
  /** 302 when routed, else the rejection's SIP code. */
  status: number;
  reason: string;
  customer?: string;
  route?: string;
  /** The card prefix that matched. */
  prefix?: string;
  destination?: string;
  /** Sell rate per minute, decimal text. */
  sell?: string;
  currency?: string;
  /** Seconds. */
  maxDuration?: number;
  /** Called number after tech-prefix strip and number actions (before per-carrier egress). */
  number?: string;
  /** Calling number after CLI rules and number actions. */
  cli?: string;
  targets: DecisionTarget[];
  dropped: DroppedCandidate[];
  /** Present when the query asked to explain. */
  trace?: string[];
}
