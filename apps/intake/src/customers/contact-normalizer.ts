import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DomainError } from '@closeloop/contracts';

export type ContactKind = 'phone' | 'email';

export interface NormalisedContact {
  kind: ContactKind;
  /** E.164 for phones, lowercased for e-mails. */
  value: string;
}

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', undefined, [{ field, message }]);
}

/**
 * I5: contacts are normalised before matching, so `13800138000`, `+86 138 0013 8000` and `138-0013-8000`
 * are one number. Mainland China is the default region; numbers with a country code keep theirs.
 */
export function normalisePhone(raw: string, field = 'customer.phone'): NormalisedContact {
  const value = phoneE164(raw);
  if (value === null) throw invalid(field, 'is not a valid phone number');
  return { kind: 'phone', value };
}

/** E.164 of a phone number, or null when it is not a valid number (mainland China by default). */
export function phoneE164(raw: string): string | null {
  const fast = mainlandMobileFastPath(raw);
  if (fast !== undefined) return fast;
  const parsed = parsePhoneNumberFromString(raw.trim(), 'CN');
  return parsed && parsed.isValid() ? parsed.number : null;
}

/**
 * Bulk imports normalise millions of mainland mobiles, and libphonenumber is costly per number. Whether an
 * 11-digit mainland mobile is valid depends only on its leading digits (the number ranges the regulator
 * assigned), so the verdict of libphonenumber is remembered per 7-digit prefix (at most a few thousand) and
 * the answer is the same as libphonenumber's (contact-normalizer.spec.ts checks that on random numbers).
 * Anything else (landlines, other countries, odd formats) takes the full path.
 */
const prefixVerdicts = new Map<string, boolean>();
const MAINLAND_MOBILE = /^(?:\+?86)?(1[3-9]\d{9})$/;

function mainlandMobileFastPath(raw: string): string | null | undefined {
  const compact = raw.replace(/[\s-]/g, '');
  const match = MAINLAND_MOBILE.exec(compact);
  if (!match) return undefined;
  const national = match[1];
  const prefix = national.slice(0, 7);
  let valid = prefixVerdicts.get(prefix);
  if (valid === undefined) {
    valid = parsePhoneNumberFromString(national, 'CN')?.isValid() ?? false;
    if (prefixVerdicts.size < 100_000) prefixVerdicts.set(prefix, valid);
  }
  return valid ? `+86${national}` : null;
}

export function normaliseEmail(raw: string): NormalisedContact {
  return { kind: 'email', value: raw.trim().toLowerCase() };
}

/** Names compare equal across full/half width, case and spaces (`周 一` = `周一`; duplicate detection only). */
export function normaliseName(raw: string): string {
  return raw.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/**
 * X1: a mainland resident ID number (GB 11643): 17 digits and a check character (ISO 7064 MOD 11-2), upper
 * case X. Anything else is refused with a field error.
 */
export function normaliseIdNumber(raw: string, field = 'idNumber'): string {
  const value = raw.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(value)) throw invalid(field, 'must be an 18-character resident ID number');
  const sum = ID_WEIGHTS.reduce((total, weight, i) => total + weight * Number(value[i]), 0);
  if (ID_CHECK[sum % 11] !== value[17]) throw invalid(field, 'has a wrong check character');
  return value;
}

/** The key of a contact by its keyed hash (`c:<kind>:<hash>`), where contacts and other keys share a map. */
export function contactKey(kind: string, hash: string): string {
  return `c:${kind}:${hash}`;
}
