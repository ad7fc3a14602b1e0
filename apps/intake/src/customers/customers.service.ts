import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UnitOfWork, type Tx } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import {
  CustomerEvents,
  decodeCursor,
  DomainError,
  encodeCursor,
  hasRole,
  PAGE_LIMIT,
  type Caller,
  type CustomerErasedView,
  type CustomerView,
  type EraseCustomerRequest,
  type GetCustomerRequest,
  type Page,
  type SearchCustomersRequest,
} from '@closeloop/contracts';
import { AuditRepository } from '../audit/audit.repository';
import { IntakeSettingsRepository } from '../settings/intake-settings.repository';
import { maySee, READ_ROLES, requireRole, storeScope, SUPERVISING_ROLES } from './customer-access';
import { ContactSearchGuard } from './contact-search.guard';
import { normaliseEmail, normalisePhone, type NormalisedContact } from './contact-normalizer';
import { CustomerPresenter, personalFields } from './customer.presenter';
import { CustomerRepository, type StoredCustomer } from './customer.repository';
import { PiiCipher } from './pii-cipher';

const log = createLogger('customers');

/** X1, X2: customer records as the API shows them, masked unless unmasked with a reason, audited. */
@Injectable()
export class CustomersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly customers: CustomerRepository,
    private readonly audit: AuditRepository,
    private readonly settings: IntakeSettingsRepository,
    private readonly cipher: PiiCipher,
    private readonly presenter: CustomerPresenter,
    private readonly contactSearch: ContactSearchGuard,
  ) {}

  /** The customer (a merged id resolves to its survivor), masked unless unmasked with a reason. */
  async get(request: GetCustomerRequest): Promise<CustomerView> {
    const { caller } = request;
    requireRole(caller, READ_ROLES);
    const id = await this.customers.resolve(request.id);
    if (!request.unmask) {
      return this.presenter.view(this.requireVisible(caller, await this.customers.load(id)), false);
    }
    if (!request.reason) {
      throw new DomainError('VALIDATION_FAILED', 'unmasking needs a reason', [
        { field: 'reason', message: 'is required with unmask=true' },
      ]);
    }
    const { unmaskRoles } = await this.settings.get('privacy');
    if (!hasRole(caller, ...unmaskRoles)) {
      throw new DomainError('FORBIDDEN', `unmasking needs one of the roles: ${unmaskRoles.join(', ')}`);
    }
    // X2: the audit row commits before anything is decrypted and returned; if it fails, nothing is returned.
    const stored = await this.dataSource.transaction(async (manager) => {
      const customer = this.requireVisible(caller, await this.customers.load(id, manager));
      await this.audit.write(manager, {
        actor: caller.userId,
        action: 'customer.unmasked-read',
        customerId: customer.id,
        fields: personalFields(customer),
        reason: request.reason ?? null,
      });
      return customer;
    });
    return this.presenter.view(stored, true);
  }

  /**
   * Exact match through the keyed hash (phone, e-mail) or on the external id, or a list by segment and/or
   * store; always masked, limited to what the caller may see, cursor-paged by id.
   */
  async search(request: SearchCustomersRequest): Promise<Page<CustomerView>> {
    const { caller } = request;
    requireRole(caller, READ_ROLES);
    const exact = (['phone', 'email', 'externalId'] as const).filter((key) => request[key] !== undefined);
    const listed = request.segment !== undefined || request.storeId !== undefined;
    if (exact.length > 1 || (exact.length === 1 && listed) || (exact.length === 0 && !listed)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'search by exactly one of phone, email, externalId, or list by segment and/or storeId',
        [
          {
            field: exact[1] ?? exact[0] ?? 'phone',
            message: 'give one of phone, email, externalId, or segment/storeId',
          },
        ],
      );
    }
    const limit = request.limit ?? PAGE_LIMIT.default;
    const afterId = request.cursor ? decodeIdCursor(request.cursor) : null;
    if (listed) {
      const ids = await this.customers.idsByAttributes(
        { segment: request.segment, storeId: request.storeId, stores: storeScope(caller) },
        afterId,
        limit + 1,
      );
      return this.page(caller, ids, limit);
    }
    // X1, X2: a lookup by contact or external id is a sensitive read: allowed roles, limited, audited.
    const kind = exact[0];
    let lookup: () => Promise<string[]>;
    if (kind === 'externalId') {
      const externalId = request.externalId ?? '';
      lookup = () => this.customers.idsByExternalId(externalId, afterId, limit + 1);
    } else {
      // Bad input is a 400 before it counts against the caller's limit.
      const contact: NormalisedContact =
        kind === 'phone' ? normalisePhone(request.phone ?? '', 'phone') : normaliseEmail(request.email ?? '');
      const hash = this.cipher.lookupHash(contact.kind, contact.value);
      lookup = () => this.customers.idsByContactHash(contact.kind, hash, afterId, limit + 1);
    }
    await this.contactSearch.admit(caller, kind);
    const page = await this.page(caller, await lookup(), limit);
    await this.contactSearch.record(
      caller,
      kind,
      page.items.map((customer) => customer.id),
    );
    return page;
  }

  /** One page of the customers `ids` names that the caller may see, masked. */
  private async page(caller: Caller, ids: string[], limit: number): Promise<Page<CustomerView>> {
    const page = ids.slice(0, limit);
    const customers = await this.customers.loadMany(page);
    const items = customers
      .filter((customer) => customer.erasedAt === null && maySee(caller, customer))
      .map((customer) => this.presenter.view(customer, false));
    const last = page[page.length - 1];
    return { items, nextCursor: ids.length > limit && last ? encodeCursor({ id: last }) : null };
  }

  /**
   * X1 erasure on request: contacts, external ids, consents, name and ID number go, and the free text of the
   * customer's feedback is redacted; the id stays as a tombstone (feedback and tickets keep pointing at it).
   * The audit row and `customer.erased.v1` commit with the change.
   */
  async erase(request: EraseCustomerRequest): Promise<CustomerErasedView> {
    const { caller } = request;
    requireRole(caller, SUPERVISING_ROLES);
    const erasedAt = new Date();
    const id = await this.customers.resolve(request.id);
    await this.unitOfWork.run(async (tx) => {
      const customer = this.requireVisible(caller, await this.customers.load(id, tx.manager, true));
      await this.eraseLocked(tx, customer, caller.userId, request.reason, erasedAt);
    });
    log.info({ customerId: id }, 'customer erased');
    return { id, erasedAt: erasedAt.toISOString() };
  }

  /**
   * Erases a customer loaded with its row lock, in the caller's transaction: the data, the audit row (the
   * actor is null for the retention job) and `customer.erased.v1` for every id that named this person, so
   * services holding copies under a merged id drop them too.
   */
  async eraseLocked(
    tx: Tx,
    customer: StoredCustomer,
    actor: string | null,
    reason: string,
    erasedAt: Date,
  ): Promise<void> {
    const merged = await this.customers.mergedInto(tx.manager, customer.id);
    await this.customers.erase(tx.manager, customer.id, erasedAt);
    await this.audit.write(tx.manager, {
      actor,
      action: 'customer.erased',
      customerId: customer.id,
      fields: [...personalFields(customer), 'feedbackText'],
      reason,
    });
    for (const customerId of [customer.id, ...merged]) {
      await tx.publish(CustomerEvents.erased, { customerId, erasedAt: erasedAt.toISOString() });
    }
  }

  /** 404 for a customer the caller may not see (its existence is not revealed), 410 for an erased one. */
  requireVisible(caller: Caller, customer: StoredCustomer | null): StoredCustomer {
    if (!customer || !maySee(caller, customer)) throw new DomainError('CUSTOMER.NOT_FOUND');
    if (customer.erasedAt) throw new DomainError('CUSTOMER.ERASED');
    return customer;
  }
}

function decodeIdCursor(cursor: string): string {
  const value = decodeCursor(cursor);
  if (typeof value.id !== 'string' || !/^[0-9a-f-]{36}$/i.test(value.id)) {
    throw new DomainError('VALIDATION_FAILED', undefined, [
      { field: 'cursor', message: 'is not a cursor this API gave out' },
    ]);
  }
  return value.id;
}
