import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';

export interface ServiceDataSourceOptions {
  /** postgres://user:pass@host:port/db */
  url: string;
  /** The service's own schema: no service reads or writes another's. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize: number;
  applicationName: string;
}

/** The `application_name` a running service's connections carry (tools look for it in pg_stat_activity). */
export function serviceApplicationName(service: string): string {
  return `closeloop-${service}`;
}

/** One data source per service schema; never `synchronize`: the schema changes only through migrations. */
export function createServiceDataSource(options: ServiceDataSourceOptions): DataSource {
  const config: DataSourceOptions = {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // Off: TypeORM would print failed queries with their parameters (free text, contacts). Our own logs carry ids.
    logging: false,
    extra: {
      max: options.poolSize,
      application_name: options.applicationName,
      // Fail fast instead of hanging forever when the pool is exhausted or the server is gone.
      connectionTimeoutMillis: 10_000,
    },
  };
  return new DataSource(config);
}

export function quoteIdent(identifier: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(identifier)) throw new Error(`unsafe SQL identifier: ${identifier}`);
  return `"${identifier}"`;
}
