#!/usr/bin/env node
// Generates the bad-input corpus under test/corpus/: every case is a copy of test/corpus/_valid with
// exactly one defect applied, plus an expected.txt golden listing the diagnostics the defect must
// produce, one `file:line:col CODE` per line.
//
//   node scripts/make-corpus.mjs            regenerate every case directory (not _valid)
//   node scripts/make-corpus.mjs --check    fail if a committed case differs from what this writes
//
// Expected positions are written down here, by the person adding the case, where the defect is
// (never copied from the checker's output): a `⟦` inside an edit marks the spot, and each expected
// diagnostic without an explicit place takes the next mark, in the order of the edits. `at` names
// a place in a file the edit did not touch: { file, find, offset?, nth? } (the 1-based line and
// column of the first character of `find`, moved `offset` characters on) or { file, line, col }.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = path.join(ROOT, 'test', 'corpus');
const VALID = path.join(CORPUS, '_valid');
const MARK = '⟦';

// --------------------------------------------------------------------------------------------------
// Shorthands for edits.
const replace = (file, find, replacement) => ({ file, find, replace: replacement });
const remove = (file) => ({ file, delete: true });
const write = (file, text) => ({ file, write: text });

/** @typedef {{ code: string, at?: { file: string, find?: string, offset?: number, nth?: number, line?: number, col?: number } }} Expect */
/** @type {{ name: string, defect: string, strict?: boolean, edits: object[], expect: Expect[] }[]} */
const CASES = [
  // ------------------------------------------------------------------ YAML loader
  {
    name: 'yaml-unclosed-quote',
    defect: 'a double-quoted YAML string that is never closed',
    edits: [replace('carriers/acme.yaml', 'name: Acme Telecom', `name: "Acme Telecom${MARK}`)],
    // Where the closing quote is missing: the end of the line that opened the string.
    expect: [{ code: 'DP1001' }],
  },
  {
    name: 'yaml-duplicate-key',
    defect: 'the key "port" given twice in one gateway mapping',
    edits: [replace('carriers/acme.yaml', '    transport: udp\n', `    transport: udp\n    ${MARK}port: 5080\n`)],
    expect: [{ code: 'DP1001' }],
  },
  {
    name: 'yaml-bad-indent',
    defect: 'a gateway property indented one space less than its siblings',
    edits: [replace('carriers/globex.yaml', '    hashIndex: 2\n', `${MARK}   hashIndex: 2\n`)],
    // The indentation is the defect: the start of the line.
    expect: [{ code: 'DP1001' }],
  },

  // ------------------------------------------------------------------ schema (YAML)
  {
    name: 'schema-missing-required',
    defect: 'ingress route "world" has no card (required)',
    edits: [
      replace('customers/alpha.yaml', '  - id: world\n', `  - ${MARK}id: world\n`),
      replace('customers/alpha.yaml', '    card: wholesale\n', ''),
    ],
    expect: [{ code: 'DP2001' }],
  },
  {
    name: 'schema-unknown-property',
    defect: 'gateway property "weigth" (did you mean "weight"?)',
    edits: [replace('carriers/acme.yaml', '    weight: 2\n', `    ${MARK}weigth: 2\n`)],
    expect: [{ code: 'DP2002' }],
  },
  {
    name: 'schema-wrong-type',
    defect: 'gateway port written as the string "5060" instead of an integer',
    edits: [replace('carriers/acme.yaml', 'port: 5060', `port: ${MARK}"5060"`)],
    expect: [{ code: 'DP2003' }],
  },
  {
    name: 'schema-bad-enum',
    defect: 'compact: maximum (one of min, max, average)',
    edits: [replace('customer-cards/retail.yaml', 'compact: max', `compact: ${MARK}maximum`)],
    expect: [{ code: 'DP2003' }],
  },
  {
    name: 'schema-bad-money',
    defect: 'cappedRate "0.25 USD" does not match the Money pattern',
    edits: [replace('customers/alpha.yaml', 'cappedRate: "0.25"', `cappedRate: ${MARK}"0.25 USD"`)],
    expect: [{ code: 'DP2003' }],
  },
  {
    name: 'schema-bad-time',
    defect: 'schedule window from "8:00" (HH:MM needs two hour digits)',
    edits: [replace('schedules/business.yaml', 'from: "08:00"', `from: ${MARK}"8:00"`)],
    expect: [{ code: 'DP2003' }],
  },
  {
    name: 'money-7-decimals',
    defect: 'markup fixed "0.0012345" has 7 decimal places; money is held in micro-units',
    edits: [replace('customer-cards/retail.yaml', 'fixed: "0.001"', `fixed: ${MARK}"0.0012345"`)],
    expect: [{ code: 'DP3012' }],
  },
  {
    name: 'money-7-decimals-bare-number',
    defect: 'markup floor written as the bare YAML number 0.0000001 (7 decimal places, parsed as 1e-7)',
    edits: [replace('customer-cards/retail.yaml', 'floor: "0.002"', `floor: ${MARK}0.0000001`)],
    expect: [{ code: 'DP3012' }],
  },

  // ------------------------------------------------------------------ TypeScript loader
  {
    name: 'ts-type-error',
    defect: "limits.cps: 'ten' in a TypeScript customer (a string where the type says number)",
    edits: [replace('customers/beta.ts', 'limits: { cps: 10,', `limits: { ${MARK}cps: 'ten',`)],
    expect: [{ code: 'DP1002' }],
  },
  {
    name: 'ts-syntax-error',
    defect: "a missing comma in an array literal of a TypeScript customer",
    edits: [replace('customers/beta.ts', "'44', '49']", `'44' ${MARK}'49']`)],
    expect: [{ code: 'DP1002' }],
  },
  {
    name: 'ts-import-fs',
    defect: "a TypeScript customer imports node:fs and reads /etc/passwd into its name",
    edits: [
      replace('customers/beta.ts', "import { defineCustomer } from 'dialplane';\n", `import { defineCustomer } from 'dialplane';\nimport { readFileSync } from ${MARK}'node:fs';\n`),
      replace('customers/beta.ts', "  name: 'Beta Voice',", "  name: readFileSync('/etc/passwd', 'utf8'),"),
    ],
    expect: [{ code: 'DP1003' }],
  },
  {
    name: 'ts-require-child-process',
    defect: "a TypeScript customer calls require('child_process') and runs a shell command",
    edits: [
      replace('customers/beta.ts', "const usPrefixes = ['1'];\n", `const usPrefixes = ['1'];\nconst cp = ${MARK}require('child_process');\n`),
      replace('customers/beta.ts', "  name: 'Beta Voice',", "  name: String(cp.execSync('cat ~/.ssh/id_rsa')),"),
    ],
    expect: [{ code: 'DP1003' }],
  },
  {
    name: 'ts-dynamic-import',
    defect: "a TypeScript customer uses dynamic import('node:fs/promises')",
    edits: [
      replace('customers/beta.ts', "const usPrefixes = ['1'];\n", `const usPrefixes = ['1'];\nconst stolen: string[] = [];\nvoid ${MARK}import('node:fs/promises').then((fs) => fs.readFile('/etc/passwd', 'utf8')).then((text) => stolen.push(text));\n`),
    ],
    expect: [{ code: 'DP1003' }],
  },
  {
    name: 'ts-process-env',
    defect: 'a TypeScript customer reads process.env (CI secrets live there)',
    edits: [replace('customers/beta.ts', "  name: 'Beta Voice',", `  name: ${MARK}process.env.CI_DEPLOY_TOKEN ?? 'Beta Voice',`)],
    expect: [{ code: 'DP1003' }],
  },
  {
    name: 'ts-vm-escape',
    defect: "a TypeScript customer tries the classic vm escape ({}).constructor.constructor('return process')() to read a file",
    edits: [
      replace('customers/beta.ts', "const usPrefixes = ['1'];\n", `const usPrefixes = ['1'];\nconst proc = ({}).constructor.${MARK}constructor('return process')();\n`),
      replace('customers/beta.ts', "  name: 'Beta Voice',", "  name: String(proc.mainModule.require('fs').readFileSync('/etc/passwd', 'utf8')),"),
    ],
    // The sandbox refuses code generation from strings: the Function constructor throws EvalError
    // at the call (V8 puts the frame at the called property name).
    expect: [{ code: 'DP1004' }],
  },
  {
    name: 'ts-infinite-loop',
    defect: 'a TypeScript customer loops forever while being evaluated',
    edits: [
      replace('customers/beta.ts', "const usPrefixes = ['1'];\n", "const usPrefixes = ['1'];\nwhile (usPrefixes.length > 0) {\n  // waits for a deck that never arrives\n}\n"),
      replace('customers/beta.ts', 'export default defineCustomer({', `export default ${MARK}defineCustomer({`),
    ],
    // No position inside the file is known for a hang; the evaluation of the default export is it.
    expect: [{ code: 'DP1005' }],
  },
  {
    name: 'ts-throws',
    defect: 'a TypeScript customer throws while being evaluated (a helper rejects its argument)',
    edits: [
      replace('customers/beta.ts', "const usPrefixes = ['1'];\n", `const usPrefixes = ['1'];\n\nfunction cents(n: number): string {\n  if (n > 10) throw ${MARK}new Error(\`cap of \${n} cents is above the 10-cent policy\`);\n  return (n / 100).toFixed(2);\n}\n`),
      replace('customers/beta.ts', "providerCappedRate: '0.05',", 'providerCappedRate: cents(50),'),
    ],
    expect: [{ code: 'DP1004' }],
  },
  {
    name: 'ts-no-default-export',
    defect: 'a TypeScript customer exports its value under a name instead of as the default export',
    edits: [replace('customers/beta.ts', 'export default defineCustomer({', 'export const beta = defineCustomer({')],
    expect: [{ code: 'DP1004', at: { file: 'customers/beta.ts', line: 1, col: 1 } }],
  },
  {
    name: 'ts-schema-violation',
    defect: "maxDuration '90 minutes' in a TypeScript customer (type-correct string, but not a Duration)",
    edits: [replace('customers/beta.ts', "maxDuration: '90m',", `maxDuration: ${MARK}'90 minutes',`)],
    expect: [{ code: 'DP2003' }],
  },

  // ------------------------------------------------------------------ CSV decks
  {
    name: 'csv-rate-not-decimal',
    defect: 'rate "0,12x" (decimal comma and a stray letter) in the semicolon-separated Globex deck',
    edits: [replace('carrier-cards/globex.csv', '1212;USA - New York;0.0040;', `1212;USA - New York;${MARK}0,12x;`)],
    expect: [{ code: 'DP1012' }],
  },
  {
    name: 'csv-rate-7-decimals',
    defect: 'rate 0.0050125 has 7 decimal places and cannot be held in micro-units',
    edits: [replace('carrier-cards/acme.csv', '1,United States,0.0050,', `1,United States,${MARK}0.0050125,`)],
    expect: [{ code: 'DP3012' }],
  },
  {
    name: 'csv-bad-prefix',
    defect: 'prefix "44I1" (a letter I typed for a digit 1)',
    edits: [replace('carrier-cards/acme.csv', '441,United Kingdom - Geographic', `${MARK}44I1,United Kingdom - Geographic`)],
    expect: [{ code: 'DP1013' }],
  },
  {
    name: 'csv-stray-quote',
    defect: 'a quote in the middle of an unquoted cell',
    edits: [replace('carrier-cards/acme.csv', '44,United Kingdom,0.0100', `44,United ${MARK}"Kingdom,0.0100`)],
    expect: [{ code: 'DP1010' }],
  },
  {
    name: 'csv-unterminated-quote',
    defect: 'a quoted cell that is never closed (the rest of the file would be one cell)',
    edits: [replace('carrier-cards/acme.csv', '441,United Kingdom - Geographic,', `441,${MARK}"United Kingdom - Geographic,`)],
    expect: [{ code: 'DP1010' }],
  },
  {
    name: 'csv-empty-row',
    defect: 'an empty line between two rows of a deck',
    edits: [replace('carrier-cards/acme.csv', '441,United Kingdom - Geographic,0.0090,0,60/60,fixed,2024-01-01\n', `441,United Kingdom - Geographic,0.0090,0,60/60,fixed,2024-01-01\n${MARK}\n`)],
    expect: [{ code: 'DP1011' }],
  },
  {
    name: 'csv-too-few-cells',
    defect: 'a row that stops after the rate (4 of the 7 mapped columns missing)',
    edits: [replace('carrier-cards/acme.csv', '49,Germany,0.0110,0,60/60,fixed,2024-03-01', `49,Germany,0.0110${MARK}`)],
    // Where the missing cells would have been: just after the last cell of the row.
    expect: [{ code: 'DP1014' }],
  },
  {
    name: 'csv-header-missing',
    defect: 'the card maps connectFee to "conect_fee", which is not a header of acme.csv',
    edits: [replace('carrier-cards/acme-std.yaml', 'connectFee: connect_fee', `connectFee: ${MARK}conect_fee`)],
    // Where the misspelt name is written (the CSV header row is the related place).
    expect: [{ code: 'DP1015' }],
  },
  {
    name: 'csv-bad-billing',
    defect: 'billing "60-60" (written with a dash instead of a slash)',
    edits: [replace('carrier-cards/acme.csv', '0.0250,0.001,1/1,mobile', `0.0250,0.001,${MARK}60-60,mobile`)],
    expect: [{ code: 'DP1016' }],
  },
  {
    name: 'csv-bad-date',
    defect: 'effective date 2024-13-01 (month 13)',
    edits: [replace('carrier-cards/acme.csv', '49,Germany,0.0110,0,60/60,fixed,2024-03-01', `49,Germany,0.0110,0,60/60,fixed,${MARK}2024-13-01`)],
    expect: [{ code: 'DP1017' }],
  },
  {
    name: 'csv-bad-date-feb30',
    defect: 'effective date 2024-02-30 (a day February does not have)',
    edits: [replace('carrier-cards/acme.csv', 'mobile,2024-03-01', `mobile,${MARK}2024-02-30`)],
    expect: [{ code: 'DP1017' }],
  },
  {
    name: 'csv-unknown-dest-type',
    defect: 'destination type "mobil" (a typo of mobile)',
    edits: [replace('carrier-cards/acme.csv', '4915,Germany - Mobile,0.0600,0,60/60,mobile', `4915,Germany - Mobile,0.0600,0,60/60,${MARK}mobil`)],
    expect: [{ code: 'DP1018' }],
  },
  {
    name: 'csv-dup-prefix-diff-rate',
    defect: 'prefix 447 listed a second time with another rate (0.0260 vs 0.0250)',
    edits: [replace('carrier-cards/acme.csv', '4915,Germany - Mobile,0.0600,0,60/60,mobile,2024-03-01\n', `4915,Germany - Mobile,0.0600,0,60/60,mobile,2024-03-01\n${MARK}447,United Kingdom - Mobile,0.0260,0.001,1/1,mobile,2024-01-01\n`)],
    expect: [{ code: 'DP3003' }],
  },
  {
    name: 'csv-dup-prefix-same-rate',
    defect: 'prefix 44 listed a second time with the same price (a warning: fails only with --strict)',
    strict: true,
    edits: [replace('carrier-cards/acme.csv', '4915,Germany - Mobile,0.0600,0,60/60,mobile,2024-03-01\n', `4915,Germany - Mobile,0.0600,0,60/60,mobile,2024-03-01\n${MARK}44,United Kingdom,0.0100,0,60/60,fixed,2024-01-01\n`)],
    expect: [{ code: 'DP3004' }],
  },
  {
    name: 'csv-missing-file',
    defect: 'the deck file acme.csv named by carrier-cards/acme-std.yaml does not exist',
    edits: [remove('carrier-cards/acme.csv')],
    // Only this: the card itself exists, so references to acme-std are not "to nothing".
    expect: [{ code: 'DP1008', at: { file: 'carrier-cards/acme-std.yaml', find: 'acme.csv' } }],
  },

  // ------------------------------------------------------------------ Interconnect-Made-Easy JSON
  {
    name: 'ime-syntax-error',
    defect: 'a missing comma between two rate rows of the JSON deck',
    edits: [replace('carrier-cards/globex-eur.json', '["33", "France", 0.011, 0, 60, 60],\n        ["336"', `["33", "France", 0.011, 0, 60, 60]\n        ${MARK}["336"`)],
    expect: [{ code: 'DP1020' }],
  },
  {
    name: 'ime-schema-violation',
    defect: 'card type "terminating" is not one of the Interconnect-Made-Easy card types',
    edits: [replace('carrier-cards/globex-eur.json', '"type": "termination"', `"type": ${MARK}"terminating"`)],
    expect: [{ code: 'DP1021' }],
  },
  {
    name: 'ime-missing-card',
    defect: 'the carrier card names IME card "europe"; the document only has "eu"',
    edits: [replace('carrier-cards/globex-eur.yaml', 'card: eu', `card: ${MARK}europe`)],
    // Where the missing name is written (the document's cards are the related place).
    expect: [{ code: 'DP1022' }],
  },
  {
    name: 'ime-rate-invalid',
    defect: 'a rate row whose rate is the text "n/a"',
    edits: [replace('carrier-cards/globex-eur.json', '["336", "France - Mobile", 0.045,', `["336", "France - Mobile", ${MARK}"n/a",`)],
    expect: [{ code: 'DP1023' }],
  },
  {
    name: 'ime-currency-mismatch',
    defect: 'the carrier card says USD but its Interconnect-Made-Easy card is priced in EUR',
    edits: [replace('carrier-cards/globex-eur.yaml', 'currency: EUR', `currency: ${MARK}USD`)],
    expect: [{ code: 'DP3010' }],
  },

  // ------------------------------------------------------------------ lists
  {
    name: 'dnc-bad-number',
    defect: 'a DNC list CSV row "49151-1234567" (a dash inside the number)',
    edits: [replace('number-lists/dnc-main.csv', '4915112345678', `${MARK}49151-1234567`)],
    expect: [{ code: 'DP3021' }],
  },
  {
    name: 'prefix-set-bad-prefix',
    defect: 'a prefix-set CSV row "49l6" (a letter l for a digit 1)',
    edits: [replace('prefix-sets/eu-mobile.csv', '4916', `${MARK}49l6`)],
    expect: [{ code: 'DP3021' }],
  },
  {
    name: 'number-list-missing-file',
    defect: 'the file dnc-main.csv named by number-lists/dnc-main.yaml does not exist',
    edits: [remove('number-lists/dnc-main.csv')],
    expect: [{ code: 'DP1008', at: { file: 'number-lists/dnc-main.yaml', find: 'dnc-main.csv' } }],
  },

  // ------------------------------------------------------------------ ids and references
  {
    name: 'duplicate-id',
    defect: 'a new carrier file copied from acme.yaml keeps the id "acme"',
    edits: [write('carriers/initech.yaml', `# yaml-language-server: $schema=../../../../schemas/carrier.schema.json\nid: ${MARK}acme\nname: Initech Voice\ngateways:\n  - id: initech-1\n    host: sip.initech.example\n`)],
    expect: [{ code: 'DP3001' }],
  },
  {
    name: 'ref-card-parent',
    defect: 'customer card parent "initech-std" names no carrier rate card',
    edits: [replace('customer-cards/retail.yaml', 'parents: [acme-std, globex-std]', `parents: [acme-std, globex-std, ${MARK}initech-std]`)],
    expect: [{ code: 'DP3002' }],
  },
  {
    name: 'ref-route-card',
    defect: 'ingress route card "retial" names no customer rate card',
    edits: [replace('customers/alpha.yaml', '    card: retail\n    schedule: nights', `    card: ${MARK}retial\n    schedule: nights`)],
    expect: [{ code: 'DP3002' }],
  },
  {
    name: 'ref-lock',
    defect: 'lock names "globex-sdt", which is no carrier rate card',
    edits: [replace('customers/alpha.yaml', 'lock: [acme-std, globex-std]', `lock: [acme-std, ${MARK}globex-sdt]`)],
    expect: [{ code: 'DP3002' }],
  },
  {
    name: 'ref-exclude',
    defect: 'exclude names "globex-euro", which is no carrier rate card',
    edits: [replace('customers/alpha.yaml', 'exclude: [globex-eur]', `exclude: [${MARK}globex-euro]`)],
    expect: [{ code: 'DP3002' }],
  },
  {
    name: 'ref-prefix-set',
    defect: 'dial string prefix set "eu-mobiles" does not exist',
    edits: [replace('customers/alpha.yaml', 'prefixSets: [eu-mobile]', `prefixSets: [${MARK}eu-mobiles]`)],
    expect: [{ code: 'DP3002' }],
  },
  {
    name: 'ref-schedule',
    defect: 'ingress route schedule "busines" does not exist',
    edits: [replace('customers/alpha.yaml', 'schedule: business', `schedule: ${MARK}busines`)],
    expect: [{ code: 'DP3002' }],
  },
  {
    name: 'ref-dnc',
    defect: 'ingress route DNC list "dnc-mian" does not exist',
    edits: [replace('customers/alpha.yaml', 'dnc: [dnc-main]', `dnc: [${MARK}dnc-mian]`)],
    expect: [{ code: 'DP3002' }],
  },
  {
    name: 'ref-gateway-backup',
    defect: 'gateway backup "acme-3" is no gateway of the carrier',
    edits: [replace('carriers/acme.yaml', 'backup: acme-1', `backup: ${MARK}acme-3`)],
    expect: [{ code: 'DP3002' }],
  },
  {
    name: 'ref-deck-carrier',
    defect: 'carrier rate card names carrier "globexx", which does not exist',
    edits: [replace('carrier-cards/globex-std.yaml', 'carrier: globex', `carrier: ${MARK}globexx`)],
    expect: [{ code: 'DP3002' }],
  },
  {
    name: 'ref-test-customer',
    defect: 'a route test expects customer "alpah", which does not exist',
    edits: [replace('tests/smoke.yaml', 'customer: alpha,', `customer: ${MARK}alpah,`)],
    expect: [{ code: 'DP3002' }],
  },

  // ------------------------------------------------------------------ semantic checks
  {
    name: 'invalid-regex',
    defect: 'dial regex "^(1|49[0-9]+$" has an unclosed group',
    edits: [replace('customers/alpha.yaml', 'regex: ["^(1|49)[0-9]+$"]', `regex: [${MARK}"^(1|49[0-9]+$"]`)],
    expect: [{ code: 'DP3005' }],
  },
  {
    name: 'weights-sum-zero',
    defect: 'every weight of the weighted wholesale card is 0',
    edits: [
      replace('customer-cards/wholesale.yaml', 'weights:\n  acme-std: 2\n  globex-std: 1\n  globex-eur: 1\n', `${MARK}weights:\n  acme-std: 0\n  globex-std: 0\n  globex-eur: 0\n`),
    ],
    // About the weights as a whole: the key that names them.
    expect: [{ code: 'DP3006' }],
  },
  {
    name: 'gateway-hash-index-duplicate',
    defect: 'two gateways of a hash-distributed carrier share hash index 1',
    edits: [replace('carriers/globex.yaml', 'hashIndex: 2', `hashIndex: ${MARK}1`)],
    expect: [{ code: 'DP3006' }],
  },
  {
    name: 'schedule-overlap',
    defect: 'schedule "nights" now opens at 17:00, overlapping "business" (until 18:00) at equal precedence',
    edits: [replace('schedules/nights.yaml', 'from: "18:00"', 'from: "17:00"')],
    // Reported at the route whose schedule collides with an earlier route's.
    expect: [{ code: 'DP3007', at: { file: 'customers/alpha.yaml', find: 'schedule: nights', offset: 10 } }],
  },
  {
    name: 'ambiguous-routes',
    defect: 'gamma routes "de" and "us" both claim prefix 49 behind tech prefix 201',
    edits: [replace('customers/gamma.yaml', '  - id: us\n    techPrefix: "201"\n    dial:\n      prefixes: ["1"]', `  - id: ${MARK}us\n    techPrefix: "201"\n    dial:\n      prefixes: ["49"]`)],
    expect: [{ code: 'DP3008' }],
  },
  {
    name: 'shared-ip-no-tech-prefix',
    defect: 'gamma shares 203.0.113.7 with alpha, and its route "us" has no tech prefix',
    edits: [replace('customers/gamma.yaml', '  - id: us\n    techPrefix: "201"\n', `  - id: ${MARK}us\n`)],
    expect: [{ code: 'DP3009' }],
  },
  {
    name: 'shared-ip-same-tech-prefix',
    defect: 'gamma shares 203.0.113.7 with alpha and uses alpha\'s tech prefix 102',
    edits: [replace('customers/gamma.yaml', '  - id: de\n    techPrefix: "201"', `  - id: de\n    techPrefix: ${MARK}"102"`)],
    expect: [{ code: 'DP3009' }],
  },
  {
    name: 'mixed-currency-no-fx',
    defect: 'the network has no fx rate for EUR, but the USD wholesale card has the EUR deck globex-eur as a parent',
    edits: [replace('network.yaml', 'fx:\n  EUR: "1.08"\n', '')],
    expect: [{ code: 'DP3010', at: { file: 'customer-cards/wholesale.yaml', find: '- globex-eur', offset: 2 } }],
  },
  {
    name: 'unknown-hash-source',
    defect: 'hashSource "callid" (did you mean "call-id"?)',
    edits: [replace('carriers/globex.yaml', 'hashSource: call-id', `hashSource: ${MARK}callid`)],
    expect: [{ code: 'DP3011' }],
  },
  {
    name: 'cidr-host-bits',
    defect: 'auth CIDR 198.51.100.1/24 has host bits set',
    edits: [replace('customers/alpha.yaml', '- 198.51.100.0/24', `- ${MARK}198.51.100.1/24`)],
    expect: [{ code: 'DP3014' }],
  },
  {
    name: 'unknown-timezone',
    defect: 'schedule time zone "Europe/Londn"',
    edits: [replace('schedules/nights.yaml', 'timezone: Europe/London', `timezone: ${MARK}Europe/Londn`)],
    expect: [{ code: 'DP3015' }],
  },
  {
    name: 'gateway-backup-self',
    defect: 'gateway acme-2 names itself as its backup',
    edits: [replace('carriers/acme.yaml', 'backup: acme-1', `backup: ${MARK}acme-2`)],
    expect: [{ code: 'DP3016' }],
  },
  {
    name: 'duration-zero',
    defect: 'ingress route maxDuration: 0',
    edits: [replace('customers/alpha.yaml', 'maxDuration: 1h', `maxDuration: ${MARK}0`)],
    expect: [{ code: 'DP3017' }],
  },
  {
    name: 'schedule-window-empty',
    defect: 'a schedule window that opens and closes at 08:00',
    edits: [replace('schedules/business.yaml', 'until: "18:00"', `until: ${MARK}"08:00"`)],
    expect: [{ code: 'DP3018' }],
  },
  {
    name: 'schedule-dates-reversed',
    defect: 'schedule validUntil 2023-12-31 is before validFrom 2024-01-01',
    edits: [replace('schedules/business.yaml', 'validFrom: "2024-01-01"\n', `validFrom: "2024-01-01"\nvalidUntil: ${MARK}"2023-12-31"\n`)],
    expect: [{ code: 'DP3018' }],
  },
  {
    name: 'weighted-without-weights',
    defect: 'strategy weighted with no weights',
    edits: [
      replace('customer-cards/wholesale.yaml', 'strategy: weighted', `strategy: ${MARK}weighted`),
      replace('customer-cards/wholesale.yaml', 'weights:\n  acme-std: 2\n  globex-std: 1\n  globex-eur: 1\n', ''),
    ],
    expect: [{ code: 'DP3019' }],
  },
  {
    name: 'duplicate-sip-username',
    defect: 'gamma uses SIP username alpha-trunk (same realm), which belongs to alpha',
    edits: [replace('customers/gamma.yaml', 'username: gamma-sbc', `${MARK}username: alpha-trunk`)],
    // The user entry (username and realm together are the key): its first line and column.
    expect: [{ code: 'DP3020' }],
  },
  {
    name: 'customer-auth-empty',
    defect: 'a customer with neither IPs nor SIP users: no call can be attributed to it',
    edits: [replace('customers/gamma.yaml', 'auth:\n  ips:\n    - 203.0.113.7\n  users:\n    - username: gamma-sbc\n      realm: sip.example.net\n      ha1: c4251daeec35106c443cebc011c8639b\n', `auth: ${MARK}{}\n`)],
    expect: [{ code: 'DP2001' }],
  },
  {
    name: 'missing-network',
    defect: 'the repository has no network.yaml',
    edits: [remove('network.yaml')],
    expect: [{ code: 'DP1007', at: { file: 'network.yaml', line: 1, col: 1 } }],
  },
  {
    name: 'stray-file',
    defect: 'an editor backup file carriers/acme.yaml.orig, which dialplane does not read (warning)',
    strict: true,
    edits: [write('carriers/acme.yaml.orig', 'id: acme\n')],
    expect: [{ code: 'DP1006', at: { file: 'carriers/acme.yaml.orig', line: 1, col: 1 } }],
  },
  {
    name: 'lock-exclude-leave-none',
    defect: 'route "world" excludes every parent of its card (warning: fails only with --strict)',
    strict: true,
    edits: [replace('customers/alpha.yaml', 'exclude: [globex-eur]', 'exclude: [acme-std, globex-std, globex-eur]')],
    expect: [{ code: 'DP3013', at: { file: 'customers/alpha.yaml', find: 'id: world', offset: 4 } }],
  },
  {
    name: 'provider-cap-leaves-none',
    defect: "a TypeScript customer's providerCappedRate 0.001 is below every carrier's rate (warning)",
    strict: true,
    edits: [
      replace('customers/beta.ts', "providerCappedRate: '0.05',", "providerCappedRate: '0.001',"),
      replace('customers/beta.ts', "id: 'all',", `id: ${MARK}'all',`),
    ],
    expect: [{ code: 'DP3013' }],
  },
];

// --------------------------------------------------------------------------------------------------

function position(text, offset) {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

function locate(dir, at) {
  if (at.line !== undefined) return { line: at.line, col: at.col };
  const text = readFileSync(path.join(dir, at.file), 'utf8');
  let from = -1;
  for (let n = 0; n < (at.nth ?? 1); n++) {
    from = text.indexOf(at.find, from + 1);
    if (from < 0) throw new Error(`${at.file}: "${at.find}" not found (occurrence ${n + 1})`);
  }
  return position(text, from + (at.offset ?? 0));
}

function generate(c, outDir) {
  rmSync(outDir, { recursive: true, force: true });
  cpSync(VALID, outDir, { recursive: true });
  const touched = [];
  for (const e of c.edits) {
    const abs = path.join(outDir, e.file);
    if (e.delete) {
      if (!existsSync(abs)) throw new Error(`${c.name}: cannot delete missing ${e.file}`);
      rmSync(abs);
    } else if (e.write !== undefined) {
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, e.write);
    } else {
      const text = readFileSync(abs, 'utf8');
      const first = text.indexOf(e.find);
      if (first < 0) throw new Error(`${c.name}: ${e.file} has no "${e.find}"`);
      if (text.indexOf(e.find, first + 1) >= 0) throw new Error(`${c.name}: "${e.find}" is not unique in ${e.file}`);
      writeFileSync(abs, text.slice(0, first) + e.replace + text.slice(first + e.find.length));
    }
    if (!e.delete && !touched.includes(e.file)) touched.push(e.file);
  }
  // Marks, in edit order, then text order; the files are written without them.
  const marks = [];
  for (const file of touched) {
    const abs = path.join(outDir, file);
    let text = readFileSync(abs, 'utf8');
    for (let i = text.indexOf(MARK); i >= 0; i = text.indexOf(MARK)) {
      marks.push({ file, ...position(text, i) });
      text = text.slice(0, i) + text.slice(i + MARK.length);
    }
    writeFileSync(abs, text);
  }
  const lines = [];
  for (const ex of c.expect) {
    const at = ex.at ? { file: ex.at.file, ...locate(outDir, ex.at) } : marks.shift();
    if (!at) throw new Error(`${c.name}: expected ${ex.code} has no place (add a ${MARK} to an edit or give at)`);
    lines.push(`${at.file}:${at.line}:${at.col} ${ex.code}`);
  }
  if (marks.length > 0) throw new Error(`${c.name}: ${marks.length} unused mark(s)`);
  const header = [`# ${c.name}: ${c.defect}`];
  if (c.strict) header.push('# strict');
  writeFileSync(path.join(outDir, 'expected.txt'), [...header, ...lines.sort()].join('\n') + '\n');
}

function listTree(dir, rel = '') {
  const out = [];
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listTree(dir, r));
    else out.push(r);
  }
  return out.sort();
}

const check = process.argv.includes('--check');
const names = new Set();
for (const c of CASES) {
  if (names.has(c.name)) throw new Error(`duplicate case name ${c.name}`);
  names.add(c.name);
}
if (check) {
  const tmp = path.join(CORPUS, '.check-tmp');
  let stale = 0;
  for (const c of CASES) {
    generate(c, tmp);
    const committed = path.join(CORPUS, c.name);
    const a = existsSync(committed) ? listTree(committed) : [];
    const b = listTree(tmp);
    const same = a.length === b.length && a.every((f, i) => f === b[i] && readFileSync(path.join(committed, f)).equals(readFileSync(path.join(tmp, f))));
    if (!same) {
      stale++;
      console.error(`stale: test/corpus/${c.name}`);
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  if (stale > 0) process.exit(1);
  console.log(`${CASES.length} cases up to date`);
} else {
  for (const entry of readdirSync(CORPUS, { withFileTypes: true })) {
    if (entry.isDirectory() && !entry.name.startsWith('_') && !entry.name.startsWith('.')) rmSync(path.join(CORPUS, entry.name), { recursive: true });
  }
  for (const c of CASES) generate(c, path.join(CORPUS, c.name));
  writeCaseTable();
  console.log(`wrote ${CASES.length} cases to test/corpus/`);
}

/** The case list in test/corpus/README.md, between its cases:start and cases:end comments. */
function writeCaseTable() {
  const readme = path.join(CORPUS, 'README.md');
  if (!existsSync(readme)) return;
  const rows = CASES.map((c) => {
    const golden = readFileSync(path.join(CORPUS, c.name, 'expected.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const codes = [...new Set(golden.map((l) => l.split(' ')[1]))].join(', ');
    const at = golden.map((l) => `\`${l.split(' ')[0]}\``).join('<br>');
    return `| \`${c.name}\` | ${codes}${c.strict ? ' (warning)' : ''} | ${at} | ${c.defect.replace(/\|/g, '\\|')} |`;
  });
  const table = ['| case | code | expected at | the one defect |', '|---|---|---|---|', ...rows].join('\n');
  const text = readFileSync(readme, 'utf8');
  const next = text.replace(/<!-- cases:start -->[\s\S]*?<!-- cases:end -->/, () => `<!-- cases:start -->\n${table}\n<!-- cases:end -->`);
  writeFileSync(readme, next);
}
