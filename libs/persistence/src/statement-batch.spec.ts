import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { refusedByServer } from './statement-batch';

/** An error as pg builds it from a Postgres ErrorResponse. */
function serverError(code: string, severity: string): DatabaseError {
  return Object.assign(new DatabaseError('from postgres', 0, 'error'), { code, severity });
}

/** An error as Node's net module builds it for a failed socket. */
const socketError = (code: string) =>
  Object.assign(new Error(`read ${code}`), { code, errno: -104, syscall: 'read' });

describe('refusedByServer: whether a failed commit round trip is known to have stored nothing (issue 14.4)', () => {
  it('is true for a statement Postgres refused, bare or wrapped by TypeORM', () => {
    expect(refusedByServer(serverError('23505', 'ERROR'))).toBe(true);
    expect(refusedByServer(serverError('40001', 'ERROR'))).toBe(true);
    expect(refusedByServer(new QueryFailedError('COMMIT', undefined, serverError('23505', 'ERROR')))).toBe(
      true,
    );
  });

  it("is false for Node's socket errors, whose codes are not SQLSTATEs (EPIPE even has five letters)", () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT']) {
      expect(refusedByServer(socketError(code))).toBe(false);
      expect(refusedByServer(new QueryFailedError('COMMIT', undefined, socketError(code)))).toBe(false);
    }
    expect(refusedByServer(new Error('Connection terminated unexpectedly'))).toBe(false);
  });

  it('is false for a backend that ended (FATAL, or a connection or shutdown class), which may have committed', () => {
    expect(refusedByServer(serverError('57P01', 'FATAL'))).toBe(false);
    expect(refusedByServer(serverError('57P01', 'FATAL-localised'))).toBe(false);
    expect(refusedByServer(serverError('08006', 'ERROR'))).toBe(false);
    expect(refusedByServer(serverError('XX000', 'PANIC'))).toBe(false);
  });
});
