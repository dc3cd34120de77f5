// Writes the run's totals to .test-tmp/summary.json so .ci/run can print "N passed, N failed".
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
    const dir = path.join(this.rootDir, '.test-tmp');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary));
  }
}

module.exports = SummaryReporter;
