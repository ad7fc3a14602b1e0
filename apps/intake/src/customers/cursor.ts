import { DomainError } from '@closeloop/contracts';

/** Opaque page cursors: base64url of a small JSON object. Clients pass them back unchanged. */
export function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new DomainError('VALIDATION_FAILED', undefined, [
    { field: 'cursor', message: 'is not a cursor this API gave out' },
  ]);
}
