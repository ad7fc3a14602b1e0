/**
 * Adapter: the internals of node-postgres (pg 8.x) that the platform relies on. Nothing else in the code
 * reaches below pg's public API; `pg-internals.int-spec.ts` is the canary that fails, against a real
 * Postgres, when an upgrade changes any of them.
 *
 * Why: `sendTogether` (statement-batch.ts) sends a transaction's rows and its COMMIT in one round trip with
 * every value a bind parameter (decisions 0015, 0021). pg's public API sends one statement per Sync, so
 * the batch is a `Query` of our own that writes the extended-protocol messages itself. It uses:
 *
 * 1. `Query#submit(connection)` calling `this.requiresPreparation()` and, when true, `this.prepare(connection)`
 *    with the socket corked (every message leaves in one write); results and errors then arrive through
 *    pg's own handlers of the Query (one result per statement, the first error).
 * 2. `Connection#parse`, `#bind`, `#describe`, `#execute` and `#sync`: the message writers of pg-protocol's
 *    serializer, called with the shapes of `ProtocolWriter` below.
 * 3. `pg/lib/utils`'s `prepareValue`: pg's own conversion of a parameter (Date, Buffer, array, object)
 *    to what it sends, so a batch's values arrive exactly as `client.query(text, values)` would send them.
 */
import { Query, type Connection } from 'pg';

/** pg's conversion of a parameter to text (or a Buffer, sent as binary); null for SQL NULL. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const utils = require('pg/lib/utils') as {
  prepareValue(value: unknown): string | Buffer | null | undefined;
};

export function prepareValue(value: unknown): string | Buffer | null {
  return utils.prepareValue(value) ?? null;
}

/** The messages pg's Connection writes (internal 2). */
export interface ProtocolWriter {
  parse(message: { text: string; name: string; types: number[] }): void;
  bind(message: {
    portal: string;
    statement: string;
    values: (string | Buffer | null)[];
    binary: boolean;
  }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string; rows: number }): void;
  sync(): void;
}

/**
 * A pg `Query` that writes its own extended-protocol messages (internal 1): `writeMessages` is called once,
 * from pg's `submit`, with the connection's writers and the socket corked. The subclass must end with
 * `sync()`. Its result (or first error) is delivered to the callback given to the constructor, as pg does.
 */
export abstract class ExtendedProtocolQuery extends Query {
  requiresPreparation(): boolean {
    return true;
  }

  prepare(connection: Connection): void {
    this.writeMessages(connection as unknown as ProtocolWriter);
  }

  protected abstract writeMessages(writer: ProtocolWriter): void;
}
