import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * X1: how contacts and names are shown to a role that may not see them. Masks never reveal the length of an
 * e-mail's local part, and never show a value whole.
 */
const CHINA_CALLING_CODE = '86';

/**
 * `138****5678`: the first 3 and the last 4 digits of the national number stay; mainland numbers are shown
 * without +86, others with their calling code (`+1 415***2671`). National numbers shorter than 8 digits keep
 * only their last 2 digits, so at least a third of the number is always hidden.
 */
export function maskPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  const national = parsed ? String(parsed.nationalNumber) : e164.replace(/\D/g, '');
  const masked =
    national.length >= 8
      ? `${national.slice(0, 3)}${'*'.repeat(national.length - 7)}${national.slice(-4)}`
      : `${'*'.repeat(Math.max(national.length - 2, 1))}${national.slice(-2)}`;
  if (!parsed || parsed.countryCallingCode === CHINA_CALLING_CODE) return masked;
  return `+${parsed.countryCallingCode} ${masked}`;
}

/** `z***@example.com`: the first character of the local part, then always three stars; the domain stays. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return '***';
  const local = Array.from(email.slice(0, at));
  const domain = email.slice(at + 1);
  // A one-character local part would be shown whole: hide it.
  return `${local.length > 1 ? local[0] : ''}***@${domain}`;
}

/** `王**`: the first character, then one star per remaining character; a one-character name is `*`. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return '*';
  return `${chars[0]}${'*'.repeat(chars.length - 1)}`;
}

/** `110***********123X`: an ID number keeps its first 3 and last 4 characters (X1). */
export function maskIdNumber(idNumber: string): string {
  if (idNumber.length <= 7) return '*'.repeat(idNumber.length);
  return `${idNumber.slice(0, 3)}${'*'.repeat(idNumber.length - 7)}${idNumber.slice(-4)}`;
}
