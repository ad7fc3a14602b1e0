import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DeferredInsert, insertRows, type GroupStep, type Tx } from '@closeloop/messaging';
import type { FeedbackCustomerDto, Segment } from '@closeloop/contracts';
import { contactKey, normaliseEmail, normalisePhone, type NormalisedContact } from './contact-normalizer';
import { PiiCipher } from './pii-cipher';
import { hashBytes } from './keyed-hash';
import type { CustomerContactEntity } from './entities/customer-contact.entity';
import type { CustomerEntity } from './entities/customer.entity';
import type { CustomerExternalIdEntity } from './entities/customer-external-id.entity';

/** A concurrent request registered the same new contact first; the caller retries its transaction. */
export class ContactRaceError extends Error {
  override readonly name = 'ContactRaceError';
}

export interface CustomerIdentity {
  contacts: (NormalisedContact & { hash: string })[];
  externalId?: string;
  name?: string;
}

const EXTERNAL_SOURCE = 'default';

/** The unique index a new contact collides on when a concurrent transaction registered it first. */
export const CONTACT_UNIQUE_INDEX = 'customer_contacts_lookup_uq';

/**
 * New customers and their contacts are written just before the commit, with those of the other
 * submissions of the group, in one statement per table: customers first, then contacts, then the rows
 * that refer to them (the feedback).
 */
const INSERT_CUSTOMER = new DeferredInsert<Pick<CustomerEntity, 'id' | 'nameEnc'>>(
  'intake.customers',
  { id: 'id', nameEnc: 'name_enc' },
  '',
  -2,
);
/** A contact as written: the keyed hash as its bytes (the entity's transformer shows it as hex). */
type ContactRow = Pick<CustomerContactEntity, 'id' | 'customerId' | 'kind' | 'valueEnc'> & {
  valueHash: Buffer;
};
const CONTACT_COLUMNS = {
  id: 'id',
  customerId: 'customer_id',
  kind: 'kind',
  valueHash: 'value_hash',
  valueEnc: 'value_enc',
} as const;
const INSERT_CONTACT = new DeferredInsert<ContactRow>('intake.customer_contacts', CONTACT_COLUMNS, '', -1);
/** A contact added to a customer that exists already: at once, since a concurrent request may take it first. */
const INSERT_CONTACT_NOW = new DeferredInsert<ContactRow, { id: string }>(
  'intake.customer_contacts',
  CONTACT_COLUMNS,
  'ON CONFLICT (value_hash) DO NOTHING RETURNING id',
);

/** The customer's external id, at once: a concurrent request may have registered it first. */
const INSERT_EXTERNAL_ID = new DeferredInsert<
  Pick<CustomerExternalIdEntity, 'source' | 'externalId' | 'customerId'>,
  { customer_id: string }
>(
  'intake.customer_external_ids',
  { source: 'source', externalId: 'external_id', customerId: 'customer_id' },
  'ON CONFLICT DO NOTHING RETURNING customer_id',
);

/** A customer as a transaction knows it: looked up (and share-locked) or created in it. */
interface KnownCustomer {
  id: string;
  live: boolean;
  segment: Segment | null;
  /** Created in this transaction: its row and contacts are still deferred inserts. */
  createdHere: boolean;
}

/**
 * What a transaction knows of contacts, by contactKey: each contact looked up (null: nobody has it yet) or
 * registered in it. One per transaction (`tx.local`), shared by the submissions of a group.
 */
type ContactBook = Map<string, KnownCustomer | null>;
const CONTACT_BOOK = Symbol('contact book');
const bookOf = (tx: Tx): ContactBook => tx.local<ContactBook>(CONTACT_BOOK, () => new Map());
const keyOf = (contact: { kind: string; hash: string }) => contactKey(contact.kind, contact.hash);

/** I5: one customer, one record. Finds the customer a feedback belongs to, or creates a minimal one. */
@Injectable()
export class CustomerMatcherService {
  constructor(@Inject(PiiCipher) private readonly cipher: PiiCipher) {}

  /**
   * The group step of submissions (`GroupedUnitOfWork.run(work, { step, input })`): one lookup of the
   * contacts of every submission in the group instead of one per submission.
   */
  readonly lookup: GroupStep<CustomerIdentity> = {
    prepare: (tx, identities) => this.lookUp(tx, identities),
  };

  /** Normalises and hashes the contacts of a request; throws field errors for invalid ones. */
  identify(customer: FeedbackCustomerDto): CustomerIdentity {
    const contacts: NormalisedContact[] = [];
    if (customer.phone !== undefined) contacts.push(normalisePhone(customer.phone));
    if (customer.email !== undefined) contacts.push(normaliseEmail(customer.email));
    return {
      contacts: contacts.map((contact) => ({
        ...contact,
        hash: this.cipher.lookupHash(contact.kind, contact.value),
      })),
      externalId: customer.externalId,
      name: customer.name,
    };
  }

  /**
   * Returns the customer known by any of the contacts (phone first, then e-mail, then external id) with its
   * current segment (G1, for feedback.received.v1), adding the contacts they did not have yet; creates a
   * customer when none is known (its segment follows when its ticket is counted). Null for an anonymous
   * feedback. Runs inside the feedback's transaction; contacts the group step looked up cost no query.
   *
   * A new customer known only by contacts is written at the commit (deferred): a concurrent transaction
   * that registered the same contact first makes the commit fail on CONTACT_UNIQUE_INDEX, and the caller
   * retries, as it does on ContactRaceError.
   */
  async matchOrCreate(
    tx: Tx,
    identity: CustomerIdentity,
  ): Promise<{ id: string; segment: Segment | null } | null> {
    if (identity.contacts.length === 0 && !identity.externalId) return null;
    const book = bookOf(tx);
    if (identity.contacts.some((contact) => !book.has(keyOf(contact)))) {
      await this.lookUp(tx, [identity]);
    }
    const known = identity.contacts.map((contact) => ({
      contact,
      customer: book.get(keyOf(contact)) ?? null,
    }));
    let customer =
      known.find((k) => k.contact.kind === 'phone' && k.customer)?.customer ??
      known.find((k) => k.contact.kind === 'email' && k.customer)?.customer ??
      null;
    if (!customer && identity.externalId) {
      customer = await this.byExternalId(tx.manager, identity.externalId);
    }
    // An erasure or merge raced with this request (the lookup waited for it): never add contacts to an
    // erased or merged customer; a retry finds the survivor, which holds the contacts then.
    if (customer && !customer.live) throw new ContactRaceError();
    const isNew = !customer;
    if (!customer) {
      customer = await this.create(tx, identity);
    }
    for (const { contact } of known.filter((k) => !k.customer)) {
      await this.addContact(tx, book, customer, contact, isNew);
    }
    if (identity.externalId) {
      const inserted = await insertRows(tx.manager, INSERT_EXTERNAL_ID, [
        { source: EXTERNAL_SOURCE, externalId: identity.externalId, customerId: customer.id },
      ]);
      if (inserted.length === 0 && isNew && identity.contacts.length === 0) throw new ContactRaceError();
    }
    return { id: customer.id, segment: customer.segment };
  }

  /**
   * Looks up the contacts of these identities in one statement and share-locks their customers (in id
   * order), so an erasure or merge cannot change them before this transaction commits.
   */
  private async lookUp(tx: Tx, identities: readonly CustomerIdentity[]): Promise<void> {
    const book = bookOf(tx);
    const asked = new Map<string, { kind: string; hash: string }>();
    for (const contact of identities.flatMap((identity) => identity.contacts)) {
      const key = keyOf(contact);
      if (!book.has(key)) asked.set(key, contact);
    }
    if (asked.size === 0) return;
    const contacts = [...asked.values()];
    const rows: { kind: string; value_hash: string; id: string; live: boolean; segment: Segment | null }[] =
      await tx.manager.query(
        `SELECT k.kind, encode(k.value_hash, 'hex') AS value_hash, c.id, c.segment,
                (c.erased_at IS NULL AND c.merged_into IS NULL) AS live
           FROM intake.customer_contacts k JOIN intake.customers c ON c.id = k.customer_id
          WHERE (k.kind, k.value_hash) IN (SELECT * FROM unnest($1::varchar[], $2::bytea[]))
          ORDER BY c.id
            FOR SHARE OF c`,
        [contacts.map((c) => c.kind), contacts.map((c) => hashBytes(c.hash))],
      );
    for (const key of asked.keys()) book.set(key, null);
    for (const row of rows) {
      book.set(keyOf({ kind: row.kind, hash: row.value_hash }), {
        id: row.id,
        live: row.live,
        segment: row.segment,
        createdHere: false,
      });
    }
  }

  /** The live or not customer of an external id (share-locked), or null. */
  private async byExternalId(manager: EntityManager, externalId: string): Promise<KnownCustomer | null> {
    const rows: { id: string; live: boolean; segment: Segment | null }[] = await manager.query(
      `SELECT c.id, c.segment, (c.erased_at IS NULL AND c.merged_into IS NULL) AS live
         FROM intake.customer_external_ids x JOIN intake.customers c ON c.id = x.customer_id
        WHERE x.source = $1 AND x.external_id = $2
          FOR SHARE OF c`,
      [EXTERNAL_SOURCE, externalId],
    );
    return rows[0] ? { ...rows[0], createdHere: false } : null;
  }

  /**
   * A minimal customer. Written at the commit when only contacts identify it; at once when an external id
   * does, since that insert tells whether a concurrent request created the same customer first.
   */
  private async create(tx: Tx, identity: CustomerIdentity): Promise<KnownCustomer> {
    const id = randomUUID();
    const name = identity.name
      ? this.cipher.encrypt(identity.name, { column: 'customers.name_enc', rowId: id })
      : null;
    if (identity.externalId) {
      await insertRows(tx.manager, INSERT_CUSTOMER, [{ id, nameEnc: name }]);
      return { id, live: true, segment: null, createdHere: false };
    }
    tx.deferInsert(INSERT_CUSTOMER, { id, nameEnc: name });
    return { id, live: true, segment: null, createdHere: true };
  }

  /** Adds a contact the customer did not have; later submissions of the transaction find it. */
  private async addContact(
    tx: Tx,
    book: ContactBook,
    customer: KnownCustomer,
    contact: CustomerIdentity['contacts'][number],
    isNew: boolean,
  ): Promise<void> {
    const contactId = randomUUID();
    const row: ContactRow = {
      id: contactId,
      customerId: customer.id,
      kind: contact.kind,
      valueHash: hashBytes(contact.hash),
      valueEnc: this.cipher.encrypt(contact.value, {
        column: 'customer_contacts.value_enc',
        rowId: contactId,
      }),
    };
    if (customer.createdHere) {
      tx.deferInsert(INSERT_CONTACT, row);
    } else {
      const inserted = await insertRows(tx.manager, INSERT_CONTACT_NOW, [row]);
      // A new customer whose contact was just taken by a concurrent request: retry and join that one.
      if (inserted.length === 0 && isNew) throw new ContactRaceError();
      // Taken by another customer meanwhile: that one keeps it (as before: the contact is not moved).
      if (inserted.length === 0) return;
    }
    book.set(keyOf(contact), customer);
  }
}
