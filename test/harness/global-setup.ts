/**
 * Decides which Postgres and NATS the integration and end-to-end tests use: DATABASE_URL / NATS_URL when
 * set (CI and this machine point them at the local servers), Testcontainers otherwise (needs a Docker
 * engine). Workers inherit the resulting environment. Every test file then isolates itself in its own
 * database and its own NATS subject prefix and stream (see database.ts, platform.ts).
 */
import type { StartedTestContainer } from 'testcontainers';

declare global {
  var __closeloopContainers: StartedTestContainer[] | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started: StartedTestContainer[] = [];
  if (!process.env.DATABASE_URL) {
    const { GenericContainer, Wait } = await import('testcontainers');
    const postgres = await new GenericContainer('postgres:15-alpine')
      .withEnvironment({ POSTGRES_PASSWORD: 'postgres', POSTGRES_DB: 'test' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    started.push(postgres);
    process.env.DATABASE_URL = `postgres://postgres:postgres@${postgres.getHost()}:${postgres.getMappedPort(5432)}/test`;
  }
  if (!process.env.NATS_URL) {
    const { GenericContainer, Wait } = await import('testcontainers');
    const nats = await new GenericContainer('nats:2.10-alpine')
      .withCommand(['-js'])
      .withExposedPorts(4222)
      .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
      .start();
    started.push(nats);
    process.env.NATS_URL = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
  }
  globalThis.__closeloopContainers = started;
}
