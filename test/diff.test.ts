// `dialplane diff` on the demo network: a copy of routes/ with one carrier deck's rates raised,
// an added source address, identical sides, a git ref pair, a huge change against the size bound.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runDiff } from '../cli/commands/diff.js';
import type { DiffReport } from '../compiler/diff/diff.js';
import { MAX_CHARS, TRUNCATION_MARKER, renderMarkdown } from '../compiler/diff/markdown.js';
import { loadSide } from '../compiler/diff/sides.js';
import { diffArtefacts } from '../compiler/diff/diff.js';

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

const routes = path.resolve(import.meta.dirname, '../routes');
const AS_OF = '2026-06-01';
const SLOW = 240_000;

async function diff(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await runDiff([...args, '--as-of', AS_OF]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** A copy of routes/ in a temp dir. */
function copyRoutes(): string {
  const dir = path.join(tempDir('dp-diff-'), 'routes');
  cpSync(routes, dir, { recursive: true });
  return dir;
}

/** Multiplies the Rate column of northwind-a-z.csv (4th field) by `factor` on rows `pick` accepts. */
function raiseNorthwind(dir: string, factor: number, pick: (prefix: string) => boolean = () => true): void {
  const file = path.join(dir, 'carrier-cards', 'northwind-a-z.csv');
  const text = readFileSync(file, 'utf8').replace(
    /^(\d+),("(?:[^"]|"")*"|[^,]*),([^,]*),([0-9.]+),/gm,
    (all, prefix: string, dest: string, type: string, rate: string) =>
      pick(prefix) ? `${prefix},${dest},${type},${(Number(rate) * factor).toFixed(6)},` : all,
  );
  writeFileSync(file, text);
}

describe('dialplane diff', () => {
  let raised: string;
  let withIp: string;
  beforeAll(() => {
    raised = copyRoutes();
    raiseNorthwind(raised, 1.25);
    withIp = copyRoutes();
    const acme = path.join(withIp, 'customers', 'acme-voip.yaml');
    writeFileSync(acme, readFileSync(acme, 'utf8').replace('    - 203.0.113.10          # disaster-recovery site', '    - 203.0.113.10\n    - 192.0.2.99/32'));
  });

  it('groups the changes of a deck with raised rates by destination, counts the rises and exits 2', async () => {
    const { code, out } = await diff([routes, raised]);
    expect(code).toBe(2);
    expect(out.startsWith('<!-- dialplane-diff -->')).toBe(true);
    // One sentence first, then the summary table.
    const sentence = out.split('\n\n')[1]!;
    expect(sentence).toMatch(/^\*\*This change raises sell rates on [\d,]+ prefixes/);
    expect(out).toContain('| Prefixes changed | Added / removed | Sell ↑ | Sell ↓ |');
    expect(out).toMatch(/<details><summary><b>[^<]+<\/b> · card /);
    expect(out).toContain('| Destination | Changed |');
    // Northwind prices North America: its destinations carry the moves.
    expect(out).toMatch(/\n\| United States - [^|]+ \| [\d,]+ \| 0\/0 \| [1-9][\d,]* \| 0 \| \+/);
    expect(out).toContain('```mermaid\nxychart-beta');
    expect(out).not.toContain('Security-relevant access changes');
    expect(Buffer.byteLength(out)).toBeLessThan(MAX_CHARS);
  }, SLOW);

  it('prints "no routing change" and exits 0 for identical sides', async () => {
    const { code, out } = await diff([routes, routes]);
    expect(code).toBe(0);
    expect(out).toContain('**No routing change**');
    expect(out).not.toContain('<details>');
  }, SLOW);

  it('flags an added auth IP as a security-relevant access change', async () => {
    const { code, out } = await diff([routes, withIp]);
    expect(code).toBe(2);
    expect(out).toContain('#### ⚠️ Security-relevant access changes');
    expect(out).toContain('- **acme-voip** source address added: `192.0.2.99/32`');
    const json = JSON.parse((await diff([routes, withIp, '--format', 'json'])).out) as DiffReport;
    expect(json.config).toEqual([{ scope: 'customer', subject: 'acme-voip', what: 'source address added', to: '192.0.2.99/32', security: true }]);
    expect(json.summary.securityChanges).toBe(1);
    expect(json.routes).toEqual([]);
  }, SLOW);

  it('reports JSON with sides, summary, histogram, config and per-route destination stats', async () => {
    const { code, out } = await diff([routes, raised, '--format', 'json']);
    expect(code).toBe(2);
    const r = JSON.parse(out) as DiffReport;
    expect(r.format).toBe('dialplane-diff/1');
    expect(r.changed).toBe(true);
    expect(r.base).toMatchObject({ kind: 'directory', label: routes });
    expect(r.summary.up).toBeGreaterThan(0);
    expect(r.summary.down).toBe(0);
    expect(r.histogram).toHaveLength(10);
    expect(r.histogram.reduce((n, h) => n + h.count, 0)).toBe(r.summary.up);
    const na = r.routes.find((g) => g.routes.includes('acme-voip/north-america'))!;
    expect(na).toMatchObject({ card: 'wholesale-lcr', status: 'changed', currency: 'USD' });
    expect(na.total.up).toBeGreaterThan(0);
    expect(na.total.largestUp).toMatchObject({ prefix: expect.stringMatching(/^1/) });
    expect(Number(na.total.largestUp!.to)).toBeGreaterThan(Number(na.total.largestUp!.from));
    // Its dial string reaches only NANP numbers (+1: US, Canada, Puerto Rico…): nothing else shows up for it.
    expect(na.destinations.length).toBeGreaterThan(0);
    for (const d of na.destinations) {
      expect(d.name).not.toMatch(/^(United Kingdom|Germany|France|Nigeria)/);
      if (d.largestUp) expect(d.largestUp.prefix).toMatch(/^1/);
    }
    expect(na.destinations.reduce((n, d) => n + d.up, 0)).toBe(na.total.up);
  }, SLOW);

  it('diffs two git refs of the routes directory', async () => {
    const repo = tempDir('dp-diff-git-');
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    git('init', '-q');
    cpSync(routes, path.join(repo, 'routes'), { recursive: true });
    git('add', '.');
    git('commit', '-qm', 'base');
    raiseNorthwind(path.join(repo, 'routes'), 0.5, (p) => p.startsWith('1201'));
    git('commit', '-qam', 'head');
    const opts = { routes: 'routes', asOf: Date.parse(AS_OF), cwd: repo };
    const [a, b] = await Promise.all([loadSide('HEAD~1', opts), loadSide('HEAD', opts)]);
    if (!a.ok || !b.ok) throw new Error(`${a.ok ? '' : a.message} ${b.ok ? '' : b.message}`);
    expect(a.info.kind).toBe('git');
    const r = diffArtefacts(a.artefact, b.artefact, a.info, b.info);
    expect(r.summary.down).toBeGreaterThan(0);
    expect(r.summary.up).toBe(0);
    expect(r.routes.every((g) => g.destinations.every((d) => d.name.startsWith('United States')))).toBe(true);
    expect((await loadSide('no-such-ref', opts)).ok).toBe(false);
  }, SLOW);

  it('stays under 65,000 characters with a truncation marker on a huge change', async () => {
    const { out } = await diff([routes, raised, '--format', 'json']);
    const r = JSON.parse(out) as DiffReport;
    // Blow the real report up: 400 route groups of 2,000 destinations each.
    const g = r.routes[0]!;
    const huge: DiffReport = {
      ...r,
      routes: Array.from({ length: 400 }, (_, i) => ({
        ...g,
        routes: [`customer-${i}/route-${i}`],
        destinations: Array.from({ length: 2000 }, (_, k) => ({ ...g.destinations[0]!, name: `Destination ${k} | with "text" <b>` })),
      })),
    };
    const md = renderMarkdown(huge);
    expect(md.length).toBeLessThan(MAX_CHARS);
    expect(Buffer.byteLength(md)).toBeLessThan(MAX_CHARS);
    expect(md).toContain(TRUNCATION_MARKER);
    expect(md).toMatch(/not shown: .*route sections/);
    expect(md.startsWith('<!-- dialplane-diff -->')).toBe(true);
    // Every <details> opened is closed: the comment renders.
    expect(md.split('<details>').length).toBe(md.split('</details>').length);
    // Operator text cannot break the table: its pipe is escaped, its HTML shown as text.
    expect(md).toContain('Destination 0 \\| with "text" &lt;b&gt; |');
  }, SLOW);

  it('flags SIP users, tech prefixes, exclude lists and DNC lists as security-relevant and explains the moved table', async () => {
    const dir = copyRoutes();
    const edit = (file: string, from: string, to: string) => {
      const f = path.join(dir, file);
      const text = readFileSync(f, 'utf8');
      expect(text).toContain(from);
      writeFileSync(f, text.replace(from, to));
    };
    edit('customers/harbour-calls.yaml', '  users:\n', '  users:\n    - username: intruder\n      realm: sip.dialplane.example.net\n      ha1: 0123456789abcdef0123456789abcdef\n');
    edit('customers/acme-voip.yaml', '    exclude: [kestrel-global]  # Kestrel', '    # Kestrel');
    edit('customers/acme-voip.yaml', '    dnc: [do-not-call]\n', '');
    edit('customers/orchid-networks.ts', "id: 'international',\n      techPrefix: '7002'", "id: 'international',\n      techPrefix: '7003'");
    const { code, out } = await diff([routes, dir, '--format', 'json']);
    expect(code).toBe(2);
    const r = JSON.parse(out) as DiffReport;
    const flagged = r.config.filter((c) => c.security).map((c) => `${c.subject} ${c.what}`);
    expect(flagged).toEqual(expect.arrayContaining([
      'harbour-calls SIP user added',
      'acme-voip/north-america exclude',
      'acme-voip/north-america DNC lists',
      'orchid-networks/international tech prefix',
    ]));
    // The HA1 digest never appears in the report.
    expect(out).not.toContain('0123456789abcdef');
    // Dropping the exclude brings Kestrel back as a candidate on North America, and says why.
    const na = r.routes.find((g) => g.routes.includes('acme-voip/north-america'))!;
    expect(na.causes).toContain('exclude: kestrel-global → none');
    expect(na.total.candidatesAdded).toEqual(expect.arrayContaining([expect.objectContaining({ deck: 'kestrel-global' })]));
  }, SLOW);

  it('diffs two build directories (artefacts) the same way as the source trees they came from', async () => {
    const { runBuild } = await import('../cli/commands/build.js');
    const out = tempDir('dp-diff-build-');
    const quiet = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await runBuild([routes, '-o', path.join(out, 'base'), '--as-of', AS_OF, '--serial', '1'])).toBe(0);
      expect(await runBuild([raised, '-o', path.join(out, 'head'), '--as-of', AS_OF, '--serial', '2'])).toBe(0);
    } finally {
      quiet.mockRestore();
    }
    const fromBuilds = JSON.parse((await diff([path.join(out, 'base'), path.join(out, 'head', 'routing.dpa'), '--format', 'json'])).out) as DiffReport;
    const fromSources = JSON.parse((await diff([routes, raised, '--format', 'json'])).out) as DiffReport;
    expect(fromBuilds.base).toMatchObject({ kind: 'artefact', serial: 1 });
    expect(fromBuilds.head).toMatchObject({ kind: 'artefact', serial: 2 });
    expect(fromBuilds.summary).toEqual(fromSources.summary);
    expect(fromBuilds.routes).toEqual(fromSources.routes);
  }, SLOW);

  it('exits 1 and prints the diagnostics of a side that does not check', async () => {
    const broken = copyRoutes();
    writeFileSync(path.join(broken, 'customers', 'acme-voip.yaml'), 'id: acme-voip\nauth:\n  ips: ["192.0.2.1"]\nroutes:\n  - id: x\n    card: no-such-card\n');
    const { code, err } = await diff([routes, broken]);
    expect(code).toBe(1);
    expect(err).toMatch(/no-such-card/);
    expect(err).toContain('dialplane diff: head');
  }, SLOW);
});
