// Three projects: unit (pure, fast), integration (one service against real Postgres + NATS),
// e2e (the built platform driven through the gateway's HTTP API). See docs/testing.md.
const swc = ['@swc/jest', JSON.parse(require('fs').readFileSync(__dirname + '/.swcrc', 'utf8'))];
const moduleNameMapper = {
  '^@closeloop/(contracts|messaging|persistence|observability|calendar|runtime|scheduling)$': '<rootDir>/libs/$1/src',
  '^@closeloop/(contracts|messaging|persistence|observability|calendar|runtime|scheduling)/(.*)$': '<rootDir>/libs/$1/src/$2',
  '^@closeloop/testing$': '<rootDir>/test/harness',
  '^@closeloop/testing/(.*)$': '<rootDir>/test/harness/$1',
};
// NestJS 12 ships ES modules only; Jest's CommonJS runtime on Node 20 cannot require them, so swc
// compiles those packages to CommonJS too (cached after the first run).
const esmJs = ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const base = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc, '^.+\\.m?js$': esmJs },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@fastify|fastify|load-esm|file-type|uid)/)'],
  moduleNameMapper,
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata', '<rootDir>/test/harness/jest-env.ts'],
};
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts', '<rootDir>/test/security/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
};
