import { Injectable } from '@nestjs/common';
import {
  decodeCursor,
  DomainError,
  encodeCursor,
  hasRole,
  PAGE_LIMIT,
  type AuditEntryView,
  type ListAuditRequest,
  type Page,
} from '@closeloop/contracts';
import { AuditRepository } from './audit.repository';

/** X2: the audit log, for admins only. */
@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  async list(request: ListAuditRequest): Promise<Page<AuditEntryView>> {
    if (!hasRole(request.caller, 'admin')) throw new DomainError('FORBIDDEN', 'the audit log is for admins');
    const limit = request.limit ?? PAGE_LIMIT.default;
    const before = request.cursor ? decodeAuditCursor(request.cursor) : undefined;
    const rows = await this.audit.list({
      customerId: request.customerId,
      actor: request.actor,
      from: request.from ? new Date(request.from) : undefined,
      to: request.to ? new Date(request.to) : undefined,
      before,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor({ at: last.at, id: last.id }) : null,
    };
  }
}

function decodeAuditCursor(cursor: string): { at: Date; id: string } {
  const value = decodeCursor(cursor);
  const at = typeof value.at === 'string' ? new Date(value.at) : undefined;
  if (!at || Number.isNaN(at.getTime()) || typeof value.id !== 'string' || !UUID.test(value.id)) {
    throw invalidCursor();
  }
  return { at, id: value.id };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function invalidCursor(): DomainError {
  return new DomainError('VALIDATION_FAILED', undefined, [
    { field: 'cursor', message: 'is not a cursor this API gave out' },
  ]);
}
