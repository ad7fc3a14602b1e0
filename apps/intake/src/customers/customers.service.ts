import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UnitOfWork } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import {
  CustomerEvents,
  DomainError,
  hasRole,
  PAGE_LIMIT,
  type Caller,
  type CustomerErasedView,
  type CustomerView,
  type EraseCustomerRequest,
  type GetCustomerRequest,
  type Page,
  type Role,
  type SearchCustomersRequest,
} from '@closeloop/contracts';
import { AuditRepository } from '../audit/audit.repository';
import { SettingsRepository } from '../settings/settings.repository';
import { normaliseEmail, normalisePhone, type NormalisedContact } from './contact-normalizer';
import { CustomerRepository, type StoredCustomer } from './customer.repository';
import { decodeCursor, encodeCursor } from './cursor';
import { maskEmail, maskName, maskPhone } from './masking';
import { PiiCipher } from './pii-cipher';

const log = createLogger('customers');

/** Roles that may read (masked) customer records and search them. */
const READ_ROLES: Role[] = ['admin', 'supervisor', 'agent', 'analyst'];
/** Roles that may erase a customer on request. */
const ERASE_ROLES: Role[] = ['admin', 'supervisor'];

/** X1, X2: customer records as the API shows them, masked unless unmasked with a reason, audited. */
@Injectable()
export class CustomersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly customers: CustomerRepository,
    private readonly audit: AuditRepository,
    private readonly settings: SettingsRepository,
    private readonly cipher: PiiCipher,
  ) {}

  async get(request: GetCustomerRequest): Promise<CustomerView> {
    const { caller } = request;
    this.requireRole(caller, READ_ROLES);
    if (!request.unmask) {
      return this.view(this.requireLive(await this.customers.load(request.id)), false);
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
      const customer = this.requireLive(await this.customers.load(request.id, manager));
      await this.audit.write(manager, {
        actor: caller.userId,
        action: 'customer.unmasked-read',
        customerId: customer.id,
        fields: personalFields(customer),
        reason: request.reason ?? null,
      });
      return customer;
    });
    return this.view(stored, true);
  }

  /** Exact match through the keyed hash (phone, e-mail) or on the external id; results always masked. */
  async search(request: SearchCustomersRequest): Promise<Page<CustomerView>> {
    this.requireRole(request.caller, READ_ROLES);
    const given = (['phone', 'email', 'externalId'] as const).filter((key) => request[key] !== undefined);
    if (given.length !== 1) {
      throw new DomainError('VALIDATION_FAILED', 'search by exactly one of phone, email, externalId', [
        { field: given[1] ?? 'phone', message: 'give exactly one of phone, email, externalId' },
      ]);
    }
    const limit = request.limit ?? PAGE_LIMIT.default;
    const afterId = request.cursor ? decodeIdCursor(request.cursor) : null;
    let ids: string[];
    if (request.externalId !== undefined) {
      ids = await this.customers.idsByExternalId(request.externalId, afterId, limit + 1);
    } else {
      const contact: NormalisedContact =
        request.phone !== undefined
          ? normalisePhone(request.phone, 'phone')
          : normaliseEmail(request.email ?? '');
      const hash = this.cipher.lookupHash(contact.kind, contact.value);
      ids = await this.customers.idsByContactHash(contact.kind, hash, afterId, limit + 1);
    }
    const page = ids.slice(0, limit);
    const customers = await this.customers.loadMany(page);
    const items = customers
      .filter((customer) => customer.erasedAt === null && this.maySee(request.caller, customer))
      .map((customer) => this.view(customer, false));
    const last = page[page.length - 1];
    return { items, nextCursor: ids.length > limit && last ? encodeCursor({ id: last }) : null };
  }

  /**
   * X1 erasure on request: contacts, external ids and name go; the id stays as a tombstone (feedback and
   * tickets keep pointing at it). The audit row and `customer.erased.v1` commit with the change.
   */
  async erase(request: EraseCustomerRequest): Promise<CustomerErasedView> {
    const { caller } = request;
    this.requireRole(caller, ERASE_ROLES);
    const erasedAt = new Date();
    await this.unitOfWork.run(async (tx) => {
      const customer = this.requireLive(await this.customers.load(request.id, tx.manager, true));
      await this.customers.erase(tx.manager, customer.id, erasedAt);
      await this.audit.write(tx.manager, {
        actor: caller.userId,
        action: 'customer.erased',
        customerId: customer.id,
        fields: personalFields(customer),
        reason: request.reason,
      });
      await tx.publish(CustomerEvents.erased, {
        customerId: customer.id,
        erasedAt: erasedAt.toISOString(),
      });
    });
    log.info({ customerId: request.id }, 'customer erased');
    return { id: request.id, erasedAt: erasedAt.toISOString() };
  }

  private requireRole(caller: Caller, roles: Role[]): void {
    if (!hasRole(caller, ...roles)) {
      throw new DomainError('FORBIDDEN', `this needs one of the roles: ${roles.join(', ')}`);
    }
  }

  /** Object-level check: today every reading role sees every customer; store scoping comes with stores. */
  private maySee(caller: Caller, _customer: StoredCustomer): boolean {
    return hasRole(caller, ...READ_ROLES);
  }

  private requireLive(customer: StoredCustomer | null): StoredCustomer {
    if (!customer) throw new DomainError('CUSTOMER.NOT_FOUND');
    if (customer.erasedAt) throw new DomainError('CUSTOMER.ERASED');
    return customer;
  }

  private view(customer: StoredCustomer, unmasked: boolean): CustomerView {
    const name = customer.nameEnc ? this.cipher.decrypt(customer.nameEnc) : null;
    return {
      id: customer.id,
      kind: customer.kind,
      name: name === null ? null : unmasked ? name : maskName(name),
      contacts: customer.contacts.map((contact) => {
        const value = this.cipher.decrypt(contact.valueEnc);
        if (unmasked) return { kind: contact.kind, value };
        return { kind: contact.kind, value: contact.kind === 'phone' ? maskPhone(value) : maskEmail(value) };
      }),
      externalIds: customer.externalIds,
      unmasked,
      createdAt: customer.createdAt.toISOString(),
    };
  }
}

/** X2: which personal fields a read or change touched (names of fields, never their values). */
function personalFields(customer: StoredCustomer): string[] {
  const fields: string[] = [];
  if (customer.nameEnc) fields.push('name');
  for (const kind of ['phone', 'email'] as const) {
    if (customer.contacts.some((contact) => contact.kind === kind)) fields.push(kind);
  }
  if (customer.externalIds.length > 0) fields.push('externalIds');
  return fields;
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
