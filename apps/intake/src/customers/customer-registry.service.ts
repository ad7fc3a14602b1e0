import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { UnitOfWork } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { isUniqueViolation } from '@closeloop/persistence';
import {
  DomainError,
  ifMatchHolds,
  versionEtag,
  type Caller,
  type ConsentDto,
  type CreateCustomerRequest,
  type CustomerWriteReply,
  type ExternalIdDto,
  type FieldError,
  type UpdateCustomerRequest,
} from '@closeloop/contracts';
import { AuditRepository } from '../audit/audit.repository';
import { SegmentService } from '../segments/segment.service';
import { maySee, requireRole, requireStoreInScope, WRITE_ROLES } from './customer-access';
import {
  normaliseEmail,
  normaliseIdNumber,
  normaliseName,
  normalisePhone,
  type NormalisedContact,
} from './contact-normalizer';
import { CustomerPresenter } from './customer.presenter';
import {
  CustomerRepository,
  type ConsentWrite,
  type CustomerRow,
  type NewContact,
} from './customer.repository';
import { CustomersService } from './customers.service';
import { PiiCipher } from './pii-cipher';

const log = createLogger('customer-registry');

/**
 * I5, X1, X2: registering customers and changing them. Contacts are normalised and hashed; a contact or
 * external id another customer holds is refused (409 naming that customer's id: one customer, one record).
 * Every change is audited in its own transaction and moves the version (ETag) on.
 */
@Injectable()
export class CustomerRegistryService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly customers: CustomerRepository,
    private readonly reader: CustomersService,
    private readonly audit: AuditRepository,
    private readonly segments: SegmentService,
    private readonly presenter: CustomerPresenter,
    private readonly cipher: PiiCipher,
  ) {}

  async create(request: CreateCustomerRequest): Promise<CustomerWriteReply> {
    const { caller, customer: input } = request;
    requireRole(caller, WRITE_ROLES);
    requireStoreInScope(caller, input.storeId, 'storeId');
    if (request.idempotencyKey) {
      const earlier = await this.customers.idByIdempotencyKey(request.idempotencyKey);
      if (earlier) return this.replay(caller, earlier);
    }
    const contacts = this.contacts(input.phones ?? [], input.emails ?? [], 'phones');
    const externalIds = dedupeExternalIds(input.externalIds ?? []);
    // The id comes first: the name and ID number are encrypted bound to it (decision 0017).
    const id = randomUUID();
    const row: CustomerRow = {
      kind: input.kind ?? 'person',
      ...this.nameColumns(id, input.name ?? null),
      ...this.idNumberColumns(id, input.idNumber ?? null),
      storeId: input.storeId ?? null,
      accountManagerId: input.accountManagerId ?? null,
    };
    const now = new Date();
    try {
      await this.unitOfWork.run(async (tx) => {
        await this.refuseTaken(tx.manager, caller, contacts, externalIds, null);
        await this.customers.insert(tx.manager, {
          ...row,
          id,
          idempotencyKey: request.idempotencyKey ?? null,
          createdAt: now,
        });
        await this.addContacts(tx.manager, id, contacts);
        await this.addExternalIds(tx.manager, id, externalIds);
        await this.customers.upsertConsents(tx.manager, id, consentWrites(input.consents ?? [], caller, now));
        await this.audit.write(tx.manager, {
          actor: caller.userId,
          action: 'customer.created',
          customerId: id,
          fields: changedFields({ ...input }),
          reason: null,
        });
        await this.segments.recompute(tx, [id]);
      });
    } catch (error) {
      if (request.idempotencyKey && isUniqueViolation(error, 'customers_idempotency_key_uq')) {
        const winner = await this.customers.idByIdempotencyKey(request.idempotencyKey);
        if (winner) return this.replay(caller, winner);
      }
      throw error;
    }
    log.info({ customerId: id }, 'customer registered');
    return { customer: await this.current(caller, id), replayed: false };
  }

  /** PATCH with If-Match: the whole change commits with its audit row, or nothing does. */
  async update(request: UpdateCustomerRequest): Promise<CustomerWriteReply> {
    const { caller, changes } = request;
    requireRole(caller, WRITE_ROLES);
    if (!request.ifMatch?.trim()) {
      throw new DomainError('PRECONDITION_REQUIRED', 'send If-Match with the ETag of GET /customers/{id}');
    }
    const ifMatch = request.ifMatch;
    const addContacts = this.contacts(changes.addPhones ?? [], changes.addEmails ?? [], 'addPhones');
    const removeContacts = this.contacts(
      changes.removePhones ?? [],
      changes.removeEmails ?? [],
      'removePhones',
    );
    if (changes.storeId !== undefined) requireStoreInScope(caller, changes.storeId, 'storeId');
    const fields = changedFields({ ...changes });
    const id = await this.customers.resolve(request.id);
    // The name and ID number are encrypted bound to the customer's id (decision 0017).
    const columns: Partial<CustomerRow> = {};
    if (changes.kind !== undefined) columns.kind = changes.kind;
    if (changes.name !== undefined) Object.assign(columns, this.nameColumns(id, changes.name));
    if (changes.idNumber !== undefined) Object.assign(columns, this.idNumberColumns(id, changes.idNumber));
    if (changes.storeId !== undefined) columns.storeId = changes.storeId;
    if (changes.accountManagerId !== undefined) columns.accountManagerId = changes.accountManagerId;
    await this.unitOfWork.run(async (tx) => {
      const current = this.reader.requireVisible(caller, await this.customers.load(id, tx.manager, true));
      const etag = versionEtag(current.version);
      if (!ifMatchHolds(ifMatch, etag)) {
        throw new DomainError('PRECONDITION_FAILED', `the customer is now at ${etag}: GET it again`);
      }
      if (fields.length === 0) return;
      await this.refuseTaken(tx.manager, caller, addContacts, changes.addExternalIds ?? [], id);
      const now = new Date();
      await this.customers.update(tx.manager, id, columns, now);
      await this.customers.removeContacts(
        tx.manager,
        id,
        removeContacts.map((c) => c.hash),
      );
      await this.addContacts(
        tx.manager,
        id,
        addContacts.filter((c) => !current.contacts.some((k) => k.valueHash === c.hash)),
      );
      await this.customers.removeExternalIds(tx.manager, id, changes.removeExternalIds ?? []);
      await this.addExternalIds(tx.manager, id, dedupeExternalIds(changes.addExternalIds ?? []));
      await this.customers.upsertConsents(tx.manager, id, consentWrites(changes.consents ?? [], caller, now));
      await this.audit.write(tx.manager, {
        actor: caller.userId,
        action: 'customer.updated',
        customerId: id,
        fields,
        reason: null,
      });
    });
    return { customer: await this.current(caller, id), replayed: false };
  }

  private async replay(caller: Caller, id: string): Promise<CustomerWriteReply> {
    return { customer: await this.current(caller, id), replayed: true };
  }

  private async current(caller: Caller, id: string) {
    return this.presenter.view(this.reader.requireVisible(caller, await this.customers.load(id)), false);
  }

  /**
   * Normalised, hashed and encrypted contacts; invalid ones are field errors (`phones.1`). Each gets its row
   * id here, since its ciphertext is bound to it (decision 0017).
   */
  private contacts(
    phones: string[],
    emails: string[],
    phoneField: string,
  ): (NewContact & { id: string; value: string })[] {
    const errors: FieldError[] = [];
    const normalised: NormalisedContact[] = [];
    phones.forEach((raw, i) => {
      try {
        normalised.push(normalisePhone(raw, `${phoneField}.${i}`));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        errors.push(...(error.fields ?? []));
      }
    });
    emails.forEach((raw) => normalised.push(normaliseEmail(raw)));
    if (errors.length > 0) throw new DomainError('VALIDATION_FAILED', undefined, errors);
    const seen = new Set<string>();
    return normalised
      .map((contact) => ({
        kind: contact.kind,
        value: contact.value,
        hash: this.cipher.lookupHash(contact.kind, contact.value),
        valueEnc: '',
      }))
      .filter((contact) => !seen.has(contact.hash) && seen.add(contact.hash))
      .map((contact) => {
        const id = randomUUID();
        const place = { column: 'customer_contacts.value_enc', rowId: id } as const;
        return { ...contact, id, valueEnc: this.cipher.encrypt(contact.value, place) };
      });
  }

  private nameColumns(id: string, name: string | null): Pick<CustomerRow, 'nameEnc' | 'nameHash'> {
    if (name === null) return { nameEnc: null, nameHash: null };
    return {
      nameEnc: this.cipher.encrypt(name, { column: 'customers.name_enc', rowId: id }),
      nameHash: this.cipher.lookupHash('name', normaliseName(name)),
    };
  }

  private idNumberColumns(id: string, raw: string | null): Pick<CustomerRow, 'idNumberEnc' | 'idNumberHash'> {
    if (raw === null) return { idNumberEnc: null, idNumberHash: null };
    const value = normaliseIdNumber(raw);
    return {
      idNumberEnc: this.cipher.encrypt(value, { column: 'customers.id_number_enc', rowId: id }),
      idNumberHash: this.cipher.lookupHash('id_number', value),
    };
  }

  /**
   * I5: a contact or external id held by another customer is a conflict. X1: it names that customer only to a
   * caller who may see it (store scope); anyone else learns that the value is taken, not by whom.
   */
  private async refuseTaken(
    manager: EntityManager,
    caller: Caller,
    contacts: NewContact[],
    externalIds: ExternalIdDto[],
    self: string | null,
  ): Promise<void> {
    const owners = [
      ...(await this.customers.contactOwners(manager, contacts)).map((o) => ({
        id: o.customerId,
        field: o.kind,
      })),
      ...(await this.customers.externalIdOwners(manager, externalIds)).map((o) => ({
        id: o.customerId,
        field: 'externalIds',
      })),
    ].filter((owner) => owner.id !== self);
    if (owners.length === 0) return;
    const stores = await this.customers.storesOf(
      manager,
      owners.map((owner) => owner.id),
    );
    const named = owners.map((owner) => ({
      ...owner,
      visible: stores.has(owner.id) && maySee(caller, { storeId: stores.get(owner.id) ?? null }),
    }));
    const [first] = named;
    throw new DomainError(
      'CUSTOMER.CONTACT_TAKEN',
      first.visible
        ? `customer ${first.id} already has this ${first.field}: update or merge that customer`
        : `another customer already has this ${first.field}`,
      named.map((owner) => ({
        field: owner.field,
        message: owner.visible ? `belongs to customer ${owner.id}` : 'belongs to another customer',
      })),
    );
  }

  /** A concurrent writer took a contact between the check and the insert: the same 409. */
  private async addContacts(
    manager: EntityManager,
    id: string,
    contacts: (NewContact & { id: string })[],
  ): Promise<void> {
    const taken = await this.customers.addContacts(manager, id, contacts);
    if (taken.length > 0) throw new DomainError('CUSTOMER.CONTACT_TAKEN', 'a contact was taken meanwhile');
  }

  private async addExternalIds(
    manager: EntityManager,
    id: string,
    externalIds: ExternalIdDto[],
  ): Promise<void> {
    const taken = await this.customers.addExternalIds(manager, id, externalIds);
    if (taken.length > 0)
      throw new DomainError('CUSTOMER.CONTACT_TAKEN', 'an external id was taken meanwhile');
  }
}

function dedupeExternalIds(externalIds: ExternalIdDto[]): ExternalIdDto[] {
  const seen = new Set<string>();
  return externalIds.filter((e) => {
    const key = `${e.source}\u0000${e.externalId}`;
    return !seen.has(key) && seen.add(key);
  });
}

function consentWrites(consents: ConsentDto[], caller: Caller, now: Date): ConsentWrite[] {
  return consents.map((consent) => ({
    purpose: consent.purpose,
    granted: consent.granted,
    channel: consent.channel,
    givenAt: consent.givenAt ? new Date(consent.givenAt) : now,
    recordedBy: caller.userId,
  }));
}

/** X2: the names of the fields a create or update touched (never their values). */
function changedFields(input: Record<string, unknown>): string[] {
  const names: Record<string, string> = {
    kind: 'kind',
    name: 'name',
    idNumber: 'idNumber',
    storeId: 'storeId',
    accountManagerId: 'accountManagerId',
    phones: 'phone',
    addPhones: 'phone',
    removePhones: 'phone',
    emails: 'email',
    addEmails: 'email',
    removeEmails: 'email',
    externalIds: 'externalIds',
    addExternalIds: 'externalIds',
    removeExternalIds: 'externalIds',
  };
  const fields = new Set<string>();
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    if (key === 'consents') {
      for (const consent of value as ConsentDto[]) fields.add(`consent.${consent.purpose}`);
    } else if (names[key]) fields.add(names[key]);
  }
  return [...fields];
}
