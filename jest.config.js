const path = require('node:path');
// One jest run covers every workspace; the embedded database is started once
// for the whole run and each test file works in its own database.
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } } }, module: { type: 'commonjs' } }];

/** @param {string} name @param {object} extra */
function project(name, extra = {}) {
  return {
    displayName: name,
    rootDir: path.join(__dirname, name),
    roots: ['<rootDir>/src'],
    testMatch: ['**/*.test.ts', '**/*.test.tsx'],
    testEnvironment: 'node',
    transform: { '^.+\\.(t|j)sx?$': swc },
    moduleNameMapper: { '^@o2o/shared/(.*)$': '<rootDir>/../shared/src/$1' },
    setupFiles: ['<rootDir>/../server/src/testing/block-network.ts'],
    ...extra,
  };
}

module.exports = {
  globalSetup: '<rootDir>/server/src/testing/global-setup.ts',
  globalTeardown: '<rootDir>/server/src/testing/global-teardown.ts',
  maxWorkers: 2,
  // A test file's database starts with every model's collections and indexes (about 80 collections,
  // each index with its GIN twin): seconds of DDL on a loaded 2-core machine, more than jest's default 5 s.
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/scripts/jest-results-reporter.js'],
  projects: [
    project('shared'),
    project('server'),
    project('bot'),
    project('miniprogram', { testEnvironment: 'node' }),
  ],
};
