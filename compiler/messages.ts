// The catalogue of diagnostic codes. Codes are stable: tests assert them and users search for them.
// DP1xxx: loading a file (syntax, data rows, sandbox); DP2xxx: schema; DP3xxx: semantic checks.
import type { Severity } from './diagnostics.js';

interface MessageInfo {
  severity: Severity;
  /** One line describing the class of problem, for docs and `--format json`. */
  summary: string;
}

export const MESSAGES = {
  // --- loading ---
  DP1001: { severity: 'error', summary: 'YAML syntax error' },
  DP1002: { severity: 'error', summary: 'TypeScript type error in a route file' },
  DP1003: { severity: 'error', summary: 'Route file imports or uses something the sandbox forbids' },
  DP1004: { severity: 'error', summary: 'Route file threw while being evaluated, or exported no value' },
  DP1005: { severity: 'error', summary: 'Route file exceeded the evaluation time or memory limit' },
  DP1006: { severity: 'warning', summary: 'File in the repository that dialplane does not read' },
  DP1007: { severity: 'error', summary: 'Repository layout problem (missing network file, unreadable directory)' },
  DP1008: { severity: 'error', summary: 'A data file named by a document cannot be read' },
  DP1010: { severity: 'error', summary: 'CSV syntax error (stray or unterminated quote)' },
  DP1011: { severity: 'error', summary: 'Empty row in a CSV data file' },
  DP1012: { severity: 'error', summary: 'CSV cell is not a valid decimal amount' },
  DP1013: { severity: 'error', summary: 'CSV cell is not a valid prefix' },
  DP1014: { severity: 'error', summary: 'CSV row has fewer cells than the column mapping needs' },
  DP1015: { severity: 'error', summary: 'Column mapping names a header that the CSV file does not have' },
  DP1016: { severity: 'error', summary: 'CSV cell is not a valid billing increment' },
  DP1017: { severity: 'error', summary: 'CSV cell is not a valid date' },
  DP1018: { severity: 'error', summary: 'CSV cell is not a known destination type' },
  DP1020: { severity: 'error', summary: 'Interconnect-Made-Easy document is not valid JSON' },
  DP1021: { severity: 'error', summary: 'Interconnect-Made-Easy document violates its schema' },
  DP1022: { severity: 'error', summary: 'Interconnect-Made-Easy card is missing or has no prefix/rate field' },
  DP1023: { severity: 'error', summary: 'Interconnect-Made-Easy rate row has an invalid value' },
  // --- schema ---
  DP2001: { severity: 'error', summary: 'Required property missing' },
  DP2002: { severity: 'error', summary: 'Property not allowed here' },
  DP2003: { severity: 'error', summary: 'Value has the wrong type or form' },
  // --- semantic ---
  DP3001: { severity: 'error', summary: 'Duplicate id' },
  DP3002: { severity: 'error', summary: 'Reference to something that does not exist' },
  DP3003: { severity: 'error', summary: 'Duplicate prefix in a deck with a different rate' },
  DP3004: { severity: 'warning', summary: 'Duplicate prefix in a deck with the same rate' },
  DP3005: { severity: 'error', summary: 'Regular expression does not compile' },
  DP3006: { severity: 'error', summary: 'Weights cannot be normalised' },
  DP3007: { severity: 'error', summary: 'Schedules overlap at equal precedence' },
  DP3008: { severity: 'error', summary: 'Two ingress routes can claim the same number with no deterministic winner' },
  DP3009: { severity: 'error', summary: 'Several customers share an IP without distinct tech prefixes' },
  DP3010: { severity: 'error', summary: 'Currencies mixed without an exchange rate' },
  DP3011: { severity: 'error', summary: 'Unknown hash source' },
  DP3012: { severity: 'error', summary: 'Money that cannot be held exactly' },
  DP3013: { severity: 'warning', summary: 'Route filters leave no carrier for a destination it accepts' },
  DP3014: { severity: 'error', summary: 'Invalid IP address or CIDR' },
  DP3015: { severity: 'error', summary: 'Unknown time zone' },
  DP3016: { severity: 'error', summary: 'Invalid gateway backup' },
  DP3017: { severity: 'error', summary: 'Invalid duration' },
  DP3018: { severity: 'error', summary: 'Invalid schedule window or validity dates' },
  DP3019: { severity: 'error', summary: 'Strategy settings do not fit the strategy' },
  DP3020: { severity: 'error', summary: 'Username used by more than one customer' },
  DP3021: { severity: 'error', summary: 'Invalid number in a number list or prefix set' },
} as const satisfies Record<string, MessageInfo>;

export type DiagnosticCode = keyof typeof MESSAGES;
