// Prints one plain closing line, "N passed, N failed, N skipped", after vitest's own summary, so
// CI can read the outcome of a run whatever reporter a person prefers.
//
// "failed" counts every failure vitest knows of, not only failed tests: a test file that could not
// be loaded or ran no test, a hook that threw (a failed beforeAll leaves its tests *skipped*, an
// afterAll fails no test at all), an error outside any test (a worker that died, an uncaught
// exception). A run vitest calls failed never prints "0 failed".
import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>, reason?: TestRunEndReason): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    try {
      for (const mod of modules) {
        let failedHere = 0;
        for (const test of mod.children.allTests()) {
          const state = test.result().state;
          if (state === 'passed') passed++;
          else if (state === 'failed') failedHere++;
          else skipped++;
        }
        // Errors of the file itself (import, afterAll at the top level) and of its suites (hooks).
        let errorsHere = mod.errors().length > 0 ? 1 : 0;
        for (const suite of mod.children.allSuites()) if (suite.errors().length > 0) errorsHere++;
        // A file that failed with nothing to show for it (vitest gave no error and no test).
        if (failedHere + errorsHere === 0 && mod.state() === 'failed') errorsHere = 1;
        failed += failedHere + errorsHere;
      }
    } catch (e) {
      // Never lose the closing line to a reporter bug.
      process.stderr.write(`summary-reporter: ${String(e)}\n`);
      failed++;
    }
    failed += unhandledErrors.length;
    if (reason === 'failed' && failed === 0) failed = 1;
    const note = reason === 'interrupted' ? ' (interrupted)' : '';
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped${note}\n`);
  }
}
