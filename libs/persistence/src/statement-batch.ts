import { DatabaseError, type Query, type QueryResult } from 'pg';
import { QueryFailedError } from 'typeorm';
import { ExtendedProtocolQuery, prepareValue, type ProtocolWriter } from './pg-internals';

/** One SQL statement and the values of its `$n` placeholders. */
export interface Statement {
  text: string;
  values?: readonly unknown[];
}

/** What `sendTogether` needs of a connection: a pg client (a TypeORM query runner's `connect()` gives one). */
export interface PgQueryable {
  query(query: Query): unknown;
}

/**
 * Several statements sent in one write and answered in one round trip, each with its values as bind
 * parameters (extended protocol: Parse, Bind, Describe, Execute for each statement, then one Sync). Postgres
 * runs them in order; at the first that fails it skips the rest up to the Sync (a trailing COMMIT then does
 * not run and the transaction stays aborted for the caller to roll back), as it does for a simple query of
 * several statements. Unlike one, no value becomes part of any SQL text: the server log (a failed statement
 * is logged with its text) and `pg_stat_activity` show the statements with their `$n` placeholders only
 * (issue 14: customer text never in SQL text). Parameters are not logged on error unless the server sets
 * `log_parameter_max_length_on_error`, which is 0 by default and must stay so.
 */
class StatementBatch extends ExtendedProtocolQuery {
  private readonly batch: { text: string; values: (string | Buffer | null)[] }[];

  constructor(
    statements: readonly Statement[],
    callback: (error: Error | undefined, result: unknown) => void,
  ) {
    // The text is what tools see of the batch (pg's query events, the bench's statement counts): the
    // statements' own texts, never their values.
    super({ text: statements.map((statement) => statement.text).join(';\n') }, callback);
    // Converted before anything is sent, so a value pg cannot send fails the batch before it starts.
    this.batch = statements.map(({ text, values = [] }) => ({
      text,
      values: values.map(prepareValue),
    }));
  }

  /** Called by pg's `submit` with the socket corked: every message leaves in one write. */
  protected writeMessages(writer: ProtocolWriter): void {
    for (const { text, values } of this.batch) {
      writer.parse({ text, name: '', types: [] });
      writer.bind({ portal: '', statement: '', values, binary: false });
      writer.describe({ type: 'P', name: '' });
      writer.execute({ portal: '', rows: 0 });
    }
    writer.sync();
  }
}

/**
 * Sends the statements together (see `StatementBatch`) and answers with one result per statement. A failure
 * is thrown as TypeORM's `QueryFailedError` (what `manager.query` throws, so callers read its code and
 * constraint as before), carrying the statements' texts and never their values.
 */
export function sendTogether(client: PgQueryable, statements: readonly Statement[]): Promise<QueryResult[]> {
  return new Promise<QueryResult[]>((resolve, reject) => {
    const text = statements.map((statement) => statement.text).join(';\n');
    // A value pg cannot send throws in the constructor, which rejects this promise before anything is sent.
    const batch = new StatementBatch(statements, (error, result) => {
      if (error) reject(new QueryFailedError(text, undefined, error));
      else resolve(Array.isArray(result) ? (result as QueryResult[]) : [result as QueryResult]);
    });
    client.query(batch);
  });
}

/**
 * Postgres answered with an error of its own for a statement: that statement failed, the session lives, and
 * nothing after it in the same round trip ran (a COMMIT there was skipped, or was the statement that failed
 * and rolled back). A socket error (ECONNRESET, EPIPE, ETIMEDOUT: Node's codes, not Postgres's SQLSTATEs), a
 * closed connection, or a FATAL answer (the backend ended: 57P01 terminated, 57P02, 08xxx) says nothing
 * about whether a COMMIT sent before it took effect. (pg gives the severity as the server localised it, so
 * the SQLSTATE classes of connection loss and shutdown are checked too.)
 */
export function refusedByServer(error: unknown): boolean {
  const candidate = (error as { driverError?: unknown })?.driverError ?? error;
  if (!(candidate instanceof DatabaseError) || typeof candidate.code !== 'string') return false;
  if (candidate.severity === 'FATAL' || candidate.severity === 'PANIC') return false;
  return !candidate.code.startsWith('08') && !candidate.code.startsWith('57');
}
