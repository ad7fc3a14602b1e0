// In-process services and libraries log through pino; keep test output readable unless asked otherwise
// (TEST_LOG_LEVEL=info npm test). Spawned platform processes get their own LOG_LEVEL (platform.ts).
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'fatal';
