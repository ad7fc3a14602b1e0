import { DomainError } from './errors';

/**
 * Opaque keyset cursors for list endpoints: base64url of the sort key of the last item returned. Clients
 * pass `nextCursor` back unchanged; anything else is a 400 with a field error on `cursor`.
 */
export function encodeKeyCursor(key: string): string {
  return encodeCursor({ after: key });
}

export function decodeKeyCursor(cursor: string): string {
  const { after } = decodeCursor(cursor);
  if (typeof after === 'string' && after.length > 0) return after;
  throw notOurCursor();
}

/**
 * Opaque page cursors over a small JSON object (a list sorted by more than one key, e.g. time then id):
 * base64url of it. Clients pass them back unchanged.
 */
export function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through: not one of ours
  }
  throw notOurCursor();
}

function notOurCursor(): DomainError {
  return new DomainError('VALIDATION_FAILED', undefined, [
    { field: 'cursor', message: 'is not a cursor this API gave out' },
  ]);
}
