/* eslint-disable */
// Generated from schemas/*.schema.json by scripts/gen-types.mjs — do not edit by hand.
// Run `npm run schemas` after changing a schema.

/**
 * Network-wide defaults: the file routes/network.yaml (or network.ts). Exactly one per repository.
 */
export interface Network {
  /**
   * Schema this file is written against (for editors).
   */
  $schema?: string;
  /**
   * Human name of the network, shown in diffs and artefact info.
   */
  name?: string;
  /**
   * Currency in which sell rates, margins and reports are expressed.
   */
  currency: Currency;
  /**
   * Default time zone for schedules that do not name their own. Defaults to UTC.
   */
  timezone?: Timezone;
  /**
   * How many targets (carrier gateways) a decision returns at most, in order. Defaults to 5.
   */
  maxTargets?: number;
  /**
   * Default maximum call duration when an ingress route sets none. Defaults to 4h.
   */
  maxDuration?: Duration;
  /**
   * Exchange rates into the network currency, keyed by ISO 4217 code: how many network-currency units one unit of that currency buys (EUR: "1.08" means 1 EUR = 1.08 USD when the network currency is USD). Needed whenever a card combines or sells decks of another currency.
   */
  fx?: {
    [k: string]: Money;
  };
  /**
   * SIP codes and reason phrases for each rejection. Defaults follow the ConnexCS table operators know (403 IP Not Authorised, 580 No Route Available, ...).
   */
  reasons?: {
    /**
     * No customer matches the source IP. Default 403 IP Not Authorised.
     */
    ipNotAuthorised?: SipCode;
    /**
     * The authenticated username matches no customer. Default 503 Unknown User.
     */
    unknownUser?: SipCode;
    /**
     * The number matches no ingress route of the customer (tech prefix, schedule). Default 580 No Route Available.
     */
    noIngressRoute?: SipCode;
    /**
     * A tech prefix matched but the dial string refused the number. Default 503 Blocked by Dialplan.
     */
    blockedByDialplan?: SipCode;
    /**
     * The route's card has no entry for the number. Default 503 No Routes Available (Pre).
     */
    noRoutesPre?: SipCode;
    /**
     * Lock/exclude left no carrier. Default 503 No Routes Available (Lock).
     */
    noRoutesLock?: SipCode;
    /**
     * Profit assurance or provider capped rate left no carrier. Default 503 No Routes Available (Profit Assurance).
     */
    noRoutesProfitAssurance?: SipCode;
    /**
     * The sell rate is above the route's capped rate. Default 503 Rate Capped.
     */
    rateCapped?: SipCode;
    /**
     * The called number is on a do-not-call list of the route. Default 503 DNC Blocked.
     */
    dncBlocked?: SipCode;
    /**
     * The destination type (premium, ...) is blocked on the route. Default 503 Destination Type Blocked.
     */
    destinationTypeBlocked?: SipCode;
    /**
     * The calling number matches none of the customer's allowed CLI patterns. Default 403 CLI Not Allowed.
     */
    cliRejected?: SipCode;
    /**
     * The dialled number is malformed (not digits, empty, too long). Default 484 Address Incomplete.
     */
    addressIncomplete?: SipCode;
    /**
     * A CPS limit bit. Default 503 Server at max cps.
     */
    maxCps?: SipCode;
    /**
     * A channel limit bit. Default 503 Server at max channels.
     */
    maxChannels?: SipCode;
    /**
     * Every candidate carrier's gateways are disabled or over their limits. Default 503 No Routes Available (U).
     */
    noGateway?: SipCode;
  };
}

/**
 * A carrier (provider) we send calls to: its gateways, how calls are spread over them, limits, egress number rewriting and failover codes. One file per carrier in routes/carriers/.
 */
export interface Carrier {
  /**
   * Schema this file is written against (for editors).
   */
  $schema?: string;
  /**
   * Carrier id, referred to by carrier rate cards.
   */
  id: Id;
  /**
   * Human name of the carrier.
   */
  name?: string;
  /**
   * A disabled carrier is never offered as a target. Defaults to true.
   */
  enabled?: boolean;
  /**
   * The carrier's SIP gateways (carrierroute 'hosts').
   *
   * @minItems 1
   */
  gateways: [Gateway, ...Gateway[]];
  /**
   * How calls are spread over the enabled gateways.
   */
  distribution?: {
    /**
     * weighted: random choice in proportion to gateway weights; hash: deterministic choice by CRC32 of a call attribute, compatible with Kamailio carrierroute cr_route. Defaults to weighted.
     */
    method?: 'weighted' | 'hash';
    /**
     * With method hash: which call attribute is hashed, as in carrierroute: call-id, from-uri, from-user, to-uri or to-user.
     */
    hashSource?: string;
  };
  /**
   * Limits for the carrier as a whole, over all gateways.
   */
  limits?: Limits;
  /**
   * Rewriting of the called number for this carrier, applied in order: strip, then prefix and suffix, then tech prefix.
   */
  egress?: {
    /**
     * Number of leading digits removed.
     */
    strip?: number;
    /**
     * Digits added in front after stripping.
     */
    prefix?: string;
    /**
     * Digits added at the end.
     */
    suffix?: string;
    /**
     * The carrier's tech prefix, put in front of everything else (identifies our account or product at the carrier).
     */
    techPrefix?: string;
  };
  /**
   * Which replies from this carrier make the proxy try the next target, and which stop the call.
   */
  failover?: {
    /**
     * Reply codes ("503", "5xx", "408") on which the next target is tried. Defaults to ["5xx", "408"].
     */
    codes?: string[];
    /**
     * Reply codes ("486", "404") that end the call without trying further targets.
     */
    stopCodes?: string[];
  };
}

/**
 * A carrier rate card (provider deck): what one carrier charges us per prefix. The rows live in a CSV file or an Interconnect-Made-Easy JSON document beside this file. One file per card in routes/carrier-cards/.
 */
export interface CarrierCard {
  /**
   * Schema this file is written against (for editors).
   */
  $schema?: string;
  /**
   * Card id, referred to by customer rate cards (parents, lock, exclude).
   */
  id: Id;
  /**
   * Human name of the card.
   */
  name?: string;
  /**
   * Id of the carrier whose rates these are.
   */
  carrier: Id;
  /**
   * Currency of every rate in the deck.
   */
  currency: Currency;
  /**
   * Where the rows come from.
   */
  source: CsvSource | ImeSource;
  /**
   * Values for rows whose file has no such column or leaves the cell empty.
   */
  defaults?: {
    /**
     * Connection fee charged once per answered call. Defaults to 0.
     */
    connectFee?: Money;
    /**
     * Billing increments. Defaults to 60/60.
     */
    billing?: Billing;
    /**
     * Destination type. Defaults to fixed.
     */
    type?: DestinationType;
  };
}

/**
 * A customer rate card (tariff): built from one or more carrier rate cards, it sets the sell rate per prefix and the order in which carriers are tried. One file per card in routes/customer-cards/.
 */
export interface CustomerCard {
  /**
   * Schema this file is written against (for editors).
   */
  $schema?: string;
  /**
   * Card id, referred to by customers' ingress routes.
   */
  id: Id;
  /**
   * Human name of the tariff.
   */
  name?: string;
  /**
   * Currency of the sell rates. Defaults to the network currency; parents in other currencies are converted with the network's fx rates.
   */
  currency?: Currency;
  /**
   * Ids of the carrier rate cards this tariff is built from. For each prefix, every parent's longest matching prefix is a candidate.
   *
   * @minItems 1
   */
  parents: [Id, ...Id[]];
  /**
   * Rate compaction: which candidate cost sets the base sell rate where parents overlap on a prefix - the lowest (min), the highest (max), or the mean (average, rounded half away from zero to the micro-unit).
   */
  compact: 'min' | 'max' | 'average';
  /**
   * Added to the compacted rate: percent of it plus fixed, never less than floor.
   */
  markup?: {
    /**
     * Markup as a percentage of the compacted rate.
     */
    percent?: Percent;
    /**
     * Markup added per minute.
     */
    fixed?: Money;
    /**
     * Smallest markup per minute: percent + fixed is raised to this when lower.
     */
    floor?: Money;
  };
  /**
   * Billing increments the customer is charged with. Defaults to 1/1.
   */
  billing?: Billing;
  /**
   * Connection fee charged to the customer per answered call. Defaults to 0.
   */
  connectFee?: Money;
  /**
   * Order in which candidate carriers are tried. Defaults to lcr.
   */
  strategy?: Strategy;
  /**
   * With strategy priority: parent card ids in the order they are tried. Parents not listed follow, in LCR order.
   */
  priority?: Id[];
  /**
   * With strategy weighted: relative weight per parent card id. Parents not listed get no traffic.
   */
  weights?: {
    [k: string]: number;
  };
  /**
   * Per-prefix sell rates that replace the computed one.
   */
  overrides?: {
    /**
     * Prefix whose sell rate is set. Numbers matching it (longest prefix) get this rate.
     */
    prefix: Prefix;
    /**
     * Sell rate per minute.
     */
    rate: Money;
    /**
     * Sell connection fee for this prefix.
     */
    connectFee?: Money;
    /**
     * Destination name shown for this prefix.
     */
    destination?: string;
  }[];
}

/**
 * A customer sending us calls: how it is recognised, its limits and CLI rules, and its ingress routes. One file per customer in routes/customers/.
 */
export interface Customer {
  /**
   * Schema this file is written against (for editors).
   */
  $schema?: string;
  /**
   * Customer id.
   */
  id: Id;
  /**
   * Human name of the customer.
   */
  name?: string;
  /**
   * A disabled customer's calls are refused as if unknown. Defaults to true.
   */
  enabled?: boolean;
  /**
   * How calls are attributed to this customer: by source IP, else by SIP username. Several customers may share an IP only when their ingress routes have distinct tech prefixes.
   */
  auth: {
    /**
     * Source addresses or networks; the most specific match across all customers wins.
     */
    ips?: Cidr[];
    /**
     * SIP digest users. Passwords are never stored: only the HA1 hash.
     */
    users?: {
      /**
       * SIP username.
       */
      username: string;
      /**
       * Digest realm the HA1 was computed for.
       */
      realm?: string;
      /**
       * MD5(username:realm:password), lower-case hex.
       */
      ha1: string;
    }[];
  };
  /**
   * Limits for all of this customer's traffic.
   */
  limits?: Limits;
  /**
   * Rules for the calling number (CLI).
   */
  cli?: {
    /**
     * The calling number must match one of these patterns; calls with another CLI are refused. Omitted: any CLI.
     */
    allow?: Regex[];
    /**
     * Replace the calling number with this one on every call.
     */
    force?: string;
  };
  /**
   * Ingress routes: which numbers this customer may call, through which tariff, under which restrictions.
   *
   * @minItems 1
   */
  routes: [IngressRoute, ...IngressRoute[]];
}

/**
 * A named set of prefixes that dial strings can accept at once ("UK geographic"). Prefixes inline, from a CSV file (first column), or both. One file per set in routes/prefix-sets/.
 */
export interface PrefixSet {
  /**
   * Schema this file is written against (for editors).
   */
  $schema?: string;
  /**
   * Set id, referred to by dial strings.
   */
  id: Id;
  /**
   * Human name.
   */
  name?: string;
  /**
   * Prefixes in the set.
   */
  prefixes?: Prefix[];
  /**
   * CSV file (relative to this file) whose first column holds more prefixes, one per row, no header.
   */
  file?: string;
}

/**
 * A list of full numbers (a do-not-call list): calls to them are refused on routes that name the list. Numbers inline, from a CSV file (first column), or both. One file per list in routes/number-lists/.
 */
export interface NumberList {
  /**
   * Schema this file is written against (for editors).
   */
  $schema?: string;
  /**
   * List id, referred to by ingress routes' dnc.
   */
  id: Id;
  /**
   * Human name.
   */
  name?: string;
  /**
   * Numbers in international format, digits only.
   */
  numbers?: string[];
  /**
   * CSV file (relative to this file) whose first column holds more numbers, one per row, no header.
   */
  file?: string;
}

/**
 * When an ingress route is open: weekly windows within validity dates, in a time zone (Metaswitch 'current time' routing). Where two open routes could take the same call, the higher precedence wins; equal precedence with overlapping time is a compile error. One file per schedule in routes/schedules/.
 */
export interface Schedule {
  /**
   * Schema this file is written against (for editors).
   */
  $schema?: string;
  /**
   * Schedule id, referred to by ingress routes.
   */
  id: Id;
  /**
   * Human name.
   */
  name?: string;
  /**
   * Time zone the windows are read in. Defaults to the network's.
   */
  timezone?: Timezone;
  /**
   * Higher wins where routes could take the same call at the same time. Routes without a schedule have precedence 0. Defaults to 1.
   */
  precedence?: number;
  /**
   * First day (YYYY-MM-DD, in the schedule's zone) on which the schedule can be open.
   */
  validFrom?: string;
  /**
   * Last day (YYYY-MM-DD, in the schedule's zone) on which the schedule can be open.
   */
  validUntil?: string;
  /**
   * Weekly windows in which the schedule is open.
   *
   * @minItems 1
   */
  windows: [
    {
      /**
       * Days of the week on which the window opens.
       *
       * @minItems 1
       */
      days: [
        'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun',
        ...('mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun')[]
      ];
      /**
       * Local time the window opens (HH:MM).
       */
      from: string;
      /**
       * Local time the window closes (HH:MM, exclusive; 24:00 for midnight). Earlier than 'from' means the window runs past midnight into the next day.
       */
      until: string;
    },
    ...{
      /**
       * Days of the week on which the window opens.
       *
       * @minItems 1
       */
      days: [
        'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun',
        ...('mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun')[]
      ];
      /**
       * Local time the window opens (HH:MM).
       */
      from: string;
      /**
       * Local time the window closes (HH:MM, exclusive; 24:00 for midnight). Earlier than 'from' means the window runs past midnight into the next day.
       */
      until: string;
    }[]
  ];
}

/**
 * Route tests: calls and the decisions expected for them, run by 'dialplane test' like unit tests. One file per suite in routes/tests/.
 */
export interface RouteTest {
  /**
   * Schema this file is written against (for editors).
   */
  $schema?: string;
  /**
   * Suite id, unique among route-test suites.
   */
  id: Id;
  /**
   * Human name of the suite.
   */
  name?: string;
  /**
   * The calls of this suite, each with the decision expected for it.
   *
   * @minItems 1
   */
  cases: [
    {
      /**
       * What the case shows, in a sentence.
       */
      name: string;
      /**
       * The call: who sends it (source IP or authenticated user) and where to.
       */
      call: {
        /**
         * Source IP address (and optional :port).
         */
        src?: string;
        /**
         * Authenticated SIP username.
         */
        user?: string;
        /**
         * Dialled number as sent (R-URI user), tech prefix included.
         */
        to: string;
        /**
         * Calling number (CLI).
         */
        from?: string;
        /**
         * Call-ID (decides hash-distributed gateways).
         */
        callId?: string;
        /**
         * Time of the call, ISO 8601 with offset ("2026-03-02T10:00:00Z"). Defaults to now.
         */
        at?: string;
      };
      /**
       * The parts of the decision to compare; what is left out is not checked.
       */
      expect: {
        /**
         * SIP status: 302 for a routed call, else the rejection code.
         */
        status?: number;
        /**
         * Reason phrase of a rejection.
         */
        reason?: string;
        /**
         * Customer the call is attributed to.
         */
        customer?: Id;
        /**
         * Ingress route chosen.
         */
        route?: Id;
        /**
         * Card prefix matched.
         */
        prefix?: Prefix;
        /**
         * Carriers of the targets, in order.
         */
        carriers?: Id[];
        /**
         * Carrier rate cards of the targets, in order.
         */
        cards?: Id[];
        /**
         * Sell rate per minute.
         */
        sell?: Money;
        /**
         * Maximum call duration.
         */
        maxDuration?: Duration;
        /**
         * Called number as sent to the first target, after rewriting.
         */
        number?: string;
      };
    },
    ...{
      /**
       * What the case shows, in a sentence.
       */
      name: string;
      /**
       * The call: who sends it (source IP or authenticated user) and where to.
       */
      call: {
        /**
         * Source IP address (and optional :port).
         */
        src?: string;
        /**
         * Authenticated SIP username.
         */
        user?: string;
        /**
         * Dialled number as sent (R-URI user), tech prefix included.
         */
        to: string;
        /**
         * Calling number (CLI).
         */
        from?: string;
        /**
         * Call-ID (decides hash-distributed gateways).
         */
        callId?: string;
        /**
         * Time of the call, ISO 8601 with offset ("2026-03-02T10:00:00Z"). Defaults to now.
         */
        at?: string;
      };
      /**
       * The parts of the decision to compare; what is left out is not checked.
       */
      expect: {
        /**
         * SIP status: 302 for a routed call, else the rejection code.
         */
        status?: number;
        /**
         * Reason phrase of a rejection.
         */
        reason?: string;
        /**
         * Customer the call is attributed to.
         */
        customer?: Id;
        /**
         * Ingress route chosen.
         */
        route?: Id;
        /**
         * Card prefix matched.
         */
        prefix?: Prefix;
        /**
         * Carriers of the targets, in order.
         */
        carriers?: Id[];
        /**
         * Carrier rate cards of the targets, in order.
         */
        cards?: Id[];
        /**
         * Sell rate per minute.
         */
        sell?: Money;
        /**
         * Maximum call duration.
         */
        maxDuration?: Duration;
        /**
         * Called number as sent to the first target, after rewriting.
         */
        number?: string;
      };
    }[]
  ];
}

/**
 * Identifier of a document or of an item inside one: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters. Other documents refer to it by this id.
 */
export type Id = string;

/**
 * An exact decimal amount of the document's currency, preferably written as text ("0.0125"). Stored as integer micro-units (1e-6): more than 6 decimal places is an error, never a silent rounding.
 */
export type Money = string | number;

/**
 * An exact decimal percentage written as text or a number, e.g. "12.5" for 12.5 %.
 */
export type Percent = string | number;

/**
 * A dialled-number prefix: 1 to 20 decimal digits, in international format without '+' or '00' ("44", "4420", "1212555").
 */
export type Prefix = string;

/**
 * An IPv4 or IPv6 address, optionally with a prefix length ("203.0.113.7", "198.51.100.0/24", "2001:db8::/32"). A bare address means a single host.
 */
export type Cidr = string;

/**
 * A JavaScript regular expression (no slashes, no flags) matched against the dialled number after the tech prefix is stripped, e.g. "^44(1|2)[0-9]{8,9}$". It must compile.
 */
export type Regex = string;

/**
 * A length of time: whole seconds as a number, or text with units h, m, s ("90s", "45m", "2h", "1h30m").
 */
export type Duration = number | string;

/**
 * ISO 4217 currency code in capitals ("USD", "EUR", "GBP").
 */
export type Currency = string;

/**
 * IANA time zone name ("UTC", "Europe/London", "America/New_York").
 */
export type Timezone = string;

/**
 * Kind of destination a prefix reaches: fixed (landline), mobile, premium (premium-rate), toll-free, shared-cost, voip, personal, pager, satellite, special, or other.
 */
export type DestinationType =
  | 'fixed'
  | 'mobile'
  | 'premium'
  | 'toll-free'
  | 'shared-cost'
  | 'voip'
  | 'personal'
  | 'pager'
  | 'satellite'
  | 'special'
  | 'other';

/**
 * Traffic limits. Omitted limits are unlimited.
 */
export interface Limits {
  /**
   * Maximum new calls per second (token bucket refilled at this rate).
   */
  cps?: number;
  /**
   * Spike buffer: how many calls above the steady CPS rate may arrive at once. Defaults to the CPS value.
   */
  cpsBurst?: number;
  /**
   * Maximum concurrent calls.
   */
  channels?: number;
}

/**
 * Billing increments in seconds: the first interval charged, then each further interval ("1/1", "6/6", "60/60", "30/6").
 */
export interface Billing {
  /**
   * Seconds charged for the first interval of a call (the 60 of 60/60).
   */
  initial: number;
  /**
   * Seconds charged for each interval after the first (the 6 of 30/6).
   */
  increment: number;
}

/**
 * One Metaswitch-style number edit: "PA<digits>" adds a prefix, "PD<count>" deletes that many leading digits, "SD<count>" deletes that many trailing digits, "R<digits>" replaces the whole number.
 */
export type NumberAction = string;

/**
 * Number edits applied in order at the end of routing, after carrier egress rewriting.
 */
export interface NumberActions {
  /**
   * Edits of the called number (R-URI user), applied in order.
   */
  called?: NumberAction[];
  /**
   * Edits of the calling number (From / P-Asserted-Identity user), applied in order.
   */
  calling?: NumberAction[];
}

/**
 * A SIP response code with its reason phrase.
 */
export interface SipCode {
  /**
   * SIP status code (3xx-6xx).
   */
  code: number;
  /**
   * Reason phrase sent with the code.
   */
  reason: string;
}

/**
 * One SIP gateway of a carrier.
 */
export interface Gateway {
  /**
   * Gateway id, unique within the carrier; admin actions and backups refer to it.
   */
  id: Id;
  /**
   * Host name or IP address the call is sent to.
   */
  host: string;
  /**
   * SIP port. Defaults to 5060 (5061 for tls).
   */
  port?: number;
  /**
   * SIP transport. Defaults to udp.
   */
  transport?: 'udp' | 'tcp' | 'tls';
  /**
   * Relative share of calls with weighted distribution, and the carrierroute 'prob' with hash distribution. Defaults to 1.
   */
  weight?: number;
  /**
   * carrierroute 'hash_index': the position of this gateway in the hash distribution (1..n). Defaults to its position in the list.
   */
  hashIndex?: number;
  /**
   * A disabled gateway gets no calls; its backup, if any, takes them. Defaults to true.
   */
  enabled?: boolean;
  /**
   * Id of another gateway of this carrier that takes this gateway's calls while it is disabled (carrierroute 'backup').
   */
  backup?: Id;
  /**
   * Limits for this gateway.
   */
  limits?: Limits;
}

/**
 * A CSV column: its 1-based position, or its name in the header row.
 */
export type Column = number | string;

export interface CsvSource {
  /**
   * A CSV deck. The default when format is omitted.
   */
  format?: 'csv';
  /**
   * Path of the CSV file, relative to this card's file.
   */
  file: string;
  /**
   * Field separator. Defaults to ','.
   */
  delimiter?: string;
  /**
   * Whether the first row (after skipped rows) is a header naming the columns. Defaults to true.
   */
  header?: boolean;
  /**
   * Rows to skip at the top of the file before the header or data (titles, notes). Defaults to 0.
   */
  skipRows?: number;
  /**
   * Which column holds what.
   */
  columns: {
    /**
     * Column with the dialled-number prefix.
     */
    prefix: Column;
    /**
     * Column with the destination name ("United Kingdom - Mobile").
     */
    destination?: Column;
    /**
     * Column with the rate per minute.
     */
    rate: Column;
    /**
     * Column with the connection fee.
     */
    connectFee?: Column;
    /**
     * Column with the first billing interval in seconds.
     */
    initial?: Column;
    /**
     * Column with the subsequent billing interval in seconds.
     */
    increment?: Column;
    /**
     * Column with both billing intervals as "initial/increment" ("60/60"), instead of initial and increment.
     */
    billing?: Column;
    /**
     * Column with the destination type (fixed, mobile, premium, toll-free, ...).
     */
    type?: Column;
    /**
     * Column with the date (YYYY-MM-DD, or an ISO date-time) from which the row applies.
     */
    effective?: Column;
  };
}

export interface ImeSource {
  /**
   * An Interconnect-Made-Easy (formerly Open Rate Card) JSON document, ConnexCS's open rate-card format.
   */
  format: 'ime';
  /**
   * Path of the JSON document, relative to this card's file.
   */
  file: string;
  /**
   * Key of the card inside the document's 'cards' object. Defaults to the only card, or 'default'.
   */
  card?: string;
}

/**
 * lcr: cheapest first; reverse-lcr: dearest first; priority: the card's priority order; weighted: random in proportion to weights; round-robin: rotate; random: uniform shuffle.
 */
export type Strategy = 'lcr' | 'reverse-lcr' | 'priority' | 'weighted' | 'round-robin' | 'random';

/**
 * One ingress route. The route for a call is the one with the longest matching tech prefix, then the most specific dial-string match, then the highest schedule precedence; two routes that could claim the same number with none of these deciding are a compile error.
 */
export interface IngressRoute {
  /**
   * Route id, unique within the customer.
   */
  id: Id;
  /**
   * A disabled route claims no calls. Defaults to true.
   */
  enabled?: boolean;
  /**
   * Tech prefix the customer dials before the number to select this route; it is stripped before the dial string and the card see the number.
   */
  techPrefix?: string;
  /**
   * Dial string: the numbers this route accepts. Omitted: every number.
   */
  dial?: {
    /**
     * Accepted prefixes.
     */
    prefixes?: Prefix[];
    /**
     * Accepted patterns.
     */
    regex?: Regex[];
    /**
     * Ids of prefix sets whose prefixes are accepted.
     */
    prefixSets?: Id[];
  };
  /**
   * Id of the customer rate card (tariff) that prices and routes the call.
   */
  card: Id;
  /**
   * Overrides the card's routing strategy for this route.
   */
  strategy?: Strategy;
  /**
   * Calls whose sell rate per minute is above this are refused.
   */
  cappedRate?: Money;
  /**
   * Carriers whose cost per minute is above this are not offered.
   */
  providerCappedRate?: Money;
  /**
   * Drop carriers that cost more than the sell rate (connection fee and billing increments included). Defaults to false.
   */
  profitAssurance?: boolean;
  /**
   * Drop carriers that charge a connection fee. Defaults to false.
   */
  blockConnectCost?: boolean;
  /**
   * Longest call allowed on this route. Defaults to the network's.
   */
  maxDuration?: Duration;
  /**
   * Limits for this route.
   */
  limits?: Limits;
  /**
   * Allow-list: only these carrier rate cards may carry the route's calls.
   */
  lock?: Id[];
  /**
   * Deny-list: these carrier rate cards never carry the route's calls.
   */
  exclude?: Id[];
  /**
   * Ids of number lists (do-not-call) whose numbers are refused.
   */
  dnc?: Id[];
  /**
   * Destination types refused on this route (premium, satellite, ...).
   */
  blockTypes?: DestinationType[];
  /**
   * Id of a schedule: the route claims calls only while it is open.
   */
  schedule?: Id;
  /**
   * Number edits applied at the end of routing.
   */
  numberActions?: NumberActions;
}
