// The closing line CI reads must count every failure: a failed beforeAll leaves its tests skipped
// and an afterAll or an import error fails no test, yet each fails the run.
import { describe, expect, it, vi } from 'vitest';
import type { TestModule } from 'vitest/node';
import SummaryReporter from './support/summary-reporter.js';

interface Fake { state?: string; errors?: number; tests?: string[]; suites?: number[] }

/** Just enough of vitest's TestModule for the reporter: test states, module and suite errors. */
function mod(f: Fake): TestModule {
  const errors = (n = 0) => () => Array.from({ length: n }, () => ({ message: 'boom' }));
  return {
    state: () => f.state ?? 'passed',
    errors: errors(f.errors),
    children: {
      *allTests() { for (const state of f.tests ?? []) yield { result: () => ({ state }) }; },
      *allSuites() { for (const n of f.suites ?? []) yield { errors: errors(n) }; },
    },
  } as unknown as TestModule;
}

function line(modules: TestModule[], unhandled: unknown[] = [], reason: 'passed' | 'failed' | 'interrupted' = 'failed'): string {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  try {
    new SummaryReporter().onTestRunEnd(modules, unhandled, reason);
  } finally {
    spy.mockRestore();
  }
  return out.trim();
}

describe('the closing summary line', () => {
  it('counts tests by their result', () => {
    expect(line([mod({ tests: ['passed', 'passed', 'failed', 'skipped', 'pending'] })])).toBe('2 passed, 1 failed, 2 skipped');
  });

  it('counts a file that could not be imported, a failed hook and an unhandled error as failures', () => {
    const importError = mod({ state: 'failed', errors: 1 });
    const beforeAllFailed = mod({ state: 'failed', tests: ['skipped', 'skipped'], suites: [1] });
    const afterAllFailed = mod({ state: 'failed', errors: 1, tests: ['passed'] });
    expect(line([importError, beforeAllFailed, afterAllFailed], [new Error('worker exited')])).toBe('1 passed, 4 failed, 2 skipped');
  });

  it('never says 0 failed for a failed file or run', () => {
    expect(line([mod({ state: 'failed', tests: ['skipped'] })])).toBe('0 passed, 1 failed, 1 skipped');
    expect(line([], [], 'failed')).toBe('0 passed, 1 failed, 0 skipped');
    expect(line([mod({ tests: ['passed'] })], [], 'passed')).toBe('1 passed, 0 failed, 0 skipped');
  });
});
