import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateWorkflow } from '@action-validator/core';

const dir = new URL('../.github/workflows/', import.meta.url);
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
const load = (f: string) => parse(readFileSync(new URL(f, dir), 'utf8')) as Record<string, any>;
const steps = (f: string) => Object.values(load(f).jobs).flatMap((j: any) => j.steps.map((s: any) => [s.uses, s.run, s.with?.script].filter(Boolean).join('\n')));

describe('GitHub workflows', () => {
  it.each(files)('%s is valid against the GitHub workflow JSON Schema', (f) => {
    expect(validateWorkflow(readFileSync(new URL(f, dir), 'utf8')).errors).toEqual([]);
  });

  it('pull requests check with annotations, run the tests and the route tests, and post the diff as one sticky comment', () => {
    const pr = steps('pull-request.yml').join('\n');
    expect(pr).toMatch(/dialplane check routes --format github/);
    expect(pr).toMatch(/bash \.ci\/run/);
    expect(pr).toMatch(/dialplane test routes/);
    expect(pr).toMatch(/dialplane diff "origin\/\$\{\{ github\.base_ref \}\}" HEAD/);
    expect(pr).toMatch(/<!-- dialplane-diff -->/);
    expect(pr).toMatch(/updateComment/);
  });

  it('main builds with a serial derived from the commit, signs with a secret key and publishes artefact, signature and manifest', () => {
    const wf = load('publish.yml');
    expect(wf.on.push.branches).toEqual(['main']);
    const main = steps('publish.yml').join('\n');
    expect(main).toMatch(/serial=\$\(git log -1 --format=%ct\)/);
    expect(main).toMatch(/dialplane sign out\/routing\.dpa/);
    expect(main).toMatch(/gh release create[\s\S]*routing\.dpa\.minisig[\s\S]*manifest\.json/);
    expect(JSON.stringify(wf)).toMatch(/secrets\.DIALPLANE_SIGNING_KEY/);
  });

  it('the schema check is real: a misspelt job key is refused', () => {
    expect(validateWorkflow('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n').errors.length).toBeGreaterThan(0);
  });
});
