import { Inject, Injectable } from '@nestjs/common';
import type { CustomerView } from '@closeloop/contracts';
import type { StoredCustomer } from './customer.repository';
import { maskEmail, maskIdNumber, maskName, maskPhone } from './masking';
import { PiiCipher, type PiiPlace } from './pii-cipher';

/** X1: a stored customer as the API shows it, masked unless an audited read asked for clear values. */
@Injectable()
export class CustomerPresenter {
  constructor(@Inject(PiiCipher) private readonly cipher: PiiCipher) {}

  view(customer: StoredCustomer, unmasked: boolean): CustomerView {
    const clear = (enc: string | null, place: PiiPlace, mask: (value: string) => string) => {
      if (enc === null) return null;
      const value = this.cipher.decrypt(enc, place);
      return unmasked ? value : mask(value);
    };
    const { activity } = customer;
    const firstSeen = activity.firstOrderAt && activity.firstOrderAt < customer.createdAt;
    return {
      id: customer.id,
      kind: customer.kind,
      name: clear(customer.nameEnc, { column: 'customers.name_enc', rowId: customer.id }, maskName),
      contacts: customer.contacts.map((contact) => ({
        kind: contact.kind,
        value: clear(
          contact.valueEnc,
          { column: 'customer_contacts.value_enc', rowId: contact.id },
          contact.kind === 'phone' ? maskPhone : maskEmail,
        )!,
      })),
      externalIds: customer.externalIds,
      idNumber: clear(
        customer.idNumberEnc,
        { column: 'customers.id_number_enc', rowId: customer.id },
        maskIdNumber,
      ),
      storeId: customer.storeId,
      accountManagerId: customer.accountManagerId,
      consents: customer.consents.map((consent) => ({
        purpose: consent.purpose,
        granted: consent.granted,
        channel: consent.channel,
        givenAt: consent.givenAt.toISOString(),
      })),
      segment: customer.segment,
      stats: {
        ordersCount: activity.ordersCount,
        annualSpendFen: activity.annualSpendFen,
        totalSpendFen: activity.totalSpendFen,
        firstOrderAt: iso(activity.firstOrderAt),
        lastOrderAt: iso(activity.lastOrderAt),
        ticketsCount: activity.ticketsCount,
        complaintsCount: activity.complaintsCount,
        objectionsCount: activity.objectionsCount,
        lastObjectionAt: iso(activity.lastObjectionAt),
        satisfaction: activity.satisfaction,
        callbacksCount: activity.callbacksCount,
        lastInteractionAt: iso(activity.lastInteractionAt),
        cooperationSince: (firstSeen ? activity.firstOrderAt! : customer.createdAt).toISOString(),
      },
      unmasked,
      version: customer.version,
      createdAt: customer.createdAt.toISOString(),
      updatedAt: customer.updatedAt.toISOString(),
    };
  }
}

/** X2: which personal fields a read or change touched (names of fields, never their values). */
export function personalFields(customer: StoredCustomer): string[] {
  const fields: string[] = [];
  if (customer.nameEnc) fields.push('name');
  for (const kind of ['phone', 'email'] as const) {
    if (customer.contacts.some((contact) => contact.kind === kind)) fields.push(kind);
  }
  if (customer.externalIds.length > 0) fields.push('externalIds');
  if (customer.idNumberEnc) fields.push('idNumber');
  return fields;
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
