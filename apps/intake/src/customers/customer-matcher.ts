import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { FeedbackCustomerDto, Segment } from '@closeloop/contracts';
import { normaliseEmail, normalisePhone, type NormalisedContact } from './contact-normalizer';
import { PiiCipher } from './pii-cipher';

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

/** I5: one customer, one record. Finds the customer a feedback belongs to, or creates a minimal one. */
@Injectable()
export class CustomerMatcher {
  constructor(@Inject(PiiCipher) private readonly cipher: PiiCipher) {}

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
   * feedback. Runs inside the feedback's transaction.
   */
  async matchOrCreate(
    manager: EntityManager,
    identity: CustomerIdentity,
  ): Promise<{ id: string; segment: Segment | null } | null> {
    if (identity.contacts.length === 0 && !identity.externalId) return null;
    const known: { customer_id: string; kind: string }[] = identity.contacts.length
      ? await manager.query(
          `SELECT customer_id, kind FROM intake.customer_contacts
           WHERE (kind, value_hash) IN (SELECT * FROM unnest($1::varchar[], $2::char(64)[]))`,
          [identity.contacts.map((c) => c.kind), identity.contacts.map((c) => c.hash)],
        )
      : [];
    let customerId =
      known.find((row) => row.kind === 'phone')?.customer_id ??
      known.find((row) => row.kind === 'email')?.customer_id;
    if (!customerId && identity.externalId) {
      const rows: { customer_id: string }[] = await manager.query(
        `SELECT customer_id FROM intake.customer_external_ids WHERE source = $1 AND external_id = $2`,
        [EXTERNAL_SOURCE, identity.externalId],
      );
      customerId = rows[0]?.customer_id;
    }
    const isNew = !customerId;
    let segment: Segment | null = null;
    if (customerId) {
      // An erasure or merge racing with this request: wait for it, and never add contacts to an erased or
      // merged customer (a retry finds the survivor, which holds the contacts then).
      const live: { segment: Segment | null }[] = await manager.query(
        `SELECT segment FROM intake.customers WHERE id = $1 AND erased_at IS NULL AND merged_into IS NULL
         FOR SHARE`,
        [customerId],
      );
      if (live.length === 0) throw new ContactRaceError();
      segment = live[0].segment;
    }
    if (!customerId) {
      customerId = randomUUID();
      await manager.query(`INSERT INTO intake.customers (id, name_enc) VALUES ($1, $2)`, [
        customerId,
        identity.name ? this.cipher.encrypt(identity.name) : null,
      ]);
    }
    const knownKinds = new Set(known.map((row) => row.kind));
    for (const contact of identity.contacts.filter((c) => !knownKinds.has(c.kind))) {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO intake.customer_contacts (id, customer_id, kind, value_hash, value_enc)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, value_hash) DO NOTHING RETURNING id`,
        [randomUUID(), customerId, contact.kind, contact.hash, this.cipher.encrypt(contact.value)],
      );
      // A new customer whose contact was just taken by a concurrent request: retry and join that one.
      if (inserted.length === 0 && isNew) throw new ContactRaceError();
    }
    if (identity.externalId) {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO intake.customer_external_ids (source, external_id, customer_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING customer_id`,
        [EXTERNAL_SOURCE, identity.externalId, customerId],
      );
      if (inserted.length === 0 && isNew && identity.contacts.length === 0) throw new ContactRaceError();
    }
    return { id: customerId, segment };
  }
}
