import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DomainError } from '@closeloop/contracts';

export type ContactKind = 'phone' | 'email';

export interface NormalisedContact {
  kind: ContactKind;
  /** E.164 for phones, lowercased for e-mails. */
  value: string;
}

/**
 * I5: contacts are normalised before matching, so `13800138000`, `+86 138 0013 8000` and `138-0013-8000`
 * are one number. Mainland China is the default region; numbers with a country code keep theirs.
 */
export function normalisePhone(raw: string, field = 'customer.phone'): NormalisedContact {
  const parsed = parsePhoneNumberFromString(raw.trim(), 'CN');
  if (!parsed || !parsed.isValid()) {
    throw new DomainError('VALIDATION_FAILED', undefined, [
      { field, message: 'is not a valid phone number' },
    ]);
  }
  return { kind: 'phone', value: parsed.number };
}

export function normaliseEmail(raw: string): NormalisedContact {
  return { kind: 'email', value: raw.trim().toLowerCase() };
}
