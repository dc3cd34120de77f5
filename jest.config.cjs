const preset = require('./jest.preset.cjs');

/** @type {import('jest').Config} */
module.exports = {
  ...preset,
  roots: ['<rootDir>/packages', '<rootDir>/examples'],
  testMatch: ['**/*.test.ts'],
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.cjs'],
  testTimeout: 60_000,
};
