// Writes the run's totals to .test-tmp/summary.json (or the file SELLERSYNC_TEST_SUMMARY names, as
// .ci/run sets it, so concurrent runs in one tree do not overwrite each other) so .ci/run can print
// "N passed, N failed".
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const failedSuites = results.numFailedTestSuites + results.numRuntimeErrorTestSuites;
    const summary = {
      passed: results.numPassedTests,
      // a suite that fails to load has no failed tests of its own: count it, so it cannot hide
      failed: results.numFailedTests + (results.numRuntimeErrorTestSuites || 0),
      skipped: results.numPendingTests + results.numTodoTests,
      failedSuites,
    };
    const file = path.resolve(this.rootDir, process.env.SELLERSYNC_TEST_SUMMARY || path.join('.test-tmp', 'summary.json'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(summary));
  }
}

module.exports = SummaryReporter;
