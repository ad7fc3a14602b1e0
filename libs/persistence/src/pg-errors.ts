/** Postgres SQLSTATE codes the services react to. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_SERIALIZATION_FAILURE = '40001';
export const PG_DEADLOCK_DETECTED = '40P01';

export function pgErrorCode(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' ? code : undefined;
}

export function pgConstraint(error: unknown): string | undefined {
  const candidate = error as { constraint?: unknown; driverError?: { constraint?: unknown } };
  const name = candidate?.driverError?.constraint ?? candidate?.constraint;
  return typeof name === 'string' ? name : undefined;
}

/** Errors worth retrying the whole transaction for (a concurrent writer won a race). */
export function isTransientPgError(error: unknown): boolean {
  const code = pgErrorCode(error);
  return (
    code === PG_SERIALIZATION_FAILURE ||
    code === PG_DEADLOCK_DETECTED ||
    code === '57P01' /* admin shutdown */ ||
    code === '08006' /* connection failure */ ||
    code === '08003'
  );
}

/** A unique violation, optionally only of the named constraints or indexes. */
export function isUniqueViolation(error: unknown, ...constraints: string[]): boolean {
  if (pgErrorCode(error) !== PG_UNIQUE_VIOLATION) return false;
  return constraints.length === 0 || constraints.includes(pgConstraint(error) ?? '');
}

/**
 * The rows of an UPDATE or DELETE ... RETURNING run through TypeORM's `query()`, which answers those with
 * `[rows, affectedCount]` (and plain rows for SELECT and INSERT).
 */
export function returnedRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

/** How often a staff command's transaction is tried when Postgres chose it as a deadlock or serialization victim. */
export const TRANSIENT_ATTEMPTS = 3;

/**
 * Runs a whole transaction again when Postgres aborted it for a transient reason (deadlock victim,
 * serialization failure, a dropped connection): the aborted attempt changed nothing, and its checks (If-Match,
 * permissions) run again inside the new attempt. Other errors, and the last attempt's, go to the caller.
 */
export async function retryTransient<T>(
  work: () => Promise<T>,
  attempts: number = TRANSIENT_ATTEMPTS,
  pauseMs: (attempt: number) => number = (attempt) => 5 * 2 ** attempt + Math.random() * 10,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isTransientPgError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, pauseMs(attempt)));
    }
  }
}
