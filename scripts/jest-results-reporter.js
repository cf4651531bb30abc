// Writes jest's aggregated results for the whole run to .artifacts/jest-results.json,
// so .ci/run can print one closing line while running exactly `npm test`.
const fs = require('node:fs');
const path = require('node:path');

class JestResultsReporter {
  onRunComplete(_contexts, results) {
    const directory = path.join(__dirname, '..', '.artifacts');
    fs.mkdirSync(directory, { recursive: true });
    const summary = {
      numTotalTests: results.numTotalTests,
      numPassedTests: results.numPassedTests,
      numFailedTests: results.numFailedTests,
      numPendingTests: results.numPendingTests,
      numFailedTestSuites: results.numFailedTestSuites,
      numRuntimeErrorTestSuites: results.numRuntimeErrorTestSuites,
      failedTests: results.testResults.flatMap((file) =>
        file.testExecError
          ? [`${path.relative(process.cwd(), file.testFilePath)}: ${file.testExecError.message}`]
          : file.testResults.filter((test) => test.status === 'failed').map((test) => `${path.relative(process.cwd(), file.testFilePath)}: ${test.fullName}`),
      ),
    };
    fs.writeFileSync(path.join(directory, 'jest-results.json'), JSON.stringify(summary, null, 2));
  }
}

module.exports = JestResultsReporter;
