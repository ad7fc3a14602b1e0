/**
 * DEVELOPMENT-ONLY caller-signing key pair (ES256, P-256), public in this repository: the defaults of
 * `CALLER_SIGNING_KEY` (gateway) and `CALLER_PUBLIC_KEYS` (every service) for `npm start` and the tests.
 * Every service refuses them when NODE_ENV=production (README: configuration). Make real ones with
 * `node dist/apps/gateway/src/main.js caller-keygen`.
 */
export const DEV_CALLER_SIGNING_KEY =
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVSA1OsXEwBcovMUT3wJsNoAMDMidkpzZ0HgtauwZnKehRANCAATNttyPnYSgT/s0YcBmnyBzN0ExT2MZzu9MQGpPQDss3Igl6PQf2l5hTYXd7bMceZv5AUYuv/4FvRfLx2hvWzC6';
export const DEV_CALLER_PUBLIC_KEY =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEzbbcj52EoE/7NGHAZp8gczdBMU9jGc7vTEBqT0A7LNyIJej0H9peYU2F3e2zHHmb+QFGLr/+Bb0Xy8dob1swug==';
