import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { normaliseIdNumber, normaliseName, normalisePhone, phoneE164 } from './contact-normalizer';
import { maskIdNumber } from './masking';

describe('phone normalisation (I5)', () => {
  it.each(['13800138000', '+86 138 0013 8000', '138-0013-8000', '+8613800138000', ' 138 0013 8000 '])(
    '%s is +8613800138000',
    (raw) => expect(normalisePhone(raw).value).toBe('+8613800138000'),
  );

  it('refuses what is not a number, with the field named', () => {
    expect(() => normalisePhone('12345', 'phones.1')).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        fields: [{ field: 'phones.1', message: 'is not a valid phone number' }],
      }),
    );
  });

  it('keeps landlines and foreign numbers on the full path', () => {
    expect(phoneE164('021-6888 8888')).toBe('+862168888888');
    expect(phoneE164('+1 415 555 2671')).toBe('+14155552671');
  });

  it('answers like libphonenumber for any 11-digit number starting with 1 (the cached fast path)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^1[0-9]{10}$/),
        fc.constantFrom('', '+86', '86', '+86 '),
        (digits, prefix) => {
          const parsed = parsePhoneNumberFromString(digits, 'CN');
          const expected = parsed && parsed.isValid() ? parsed.number : null;
          expect(phoneE164(`${prefix}${digits}`)).toBe(expected);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

describe('resident ID numbers (X1)', () => {
  it('accepts a valid number (lower-case x too) and masks it 3 + 4', () => {
    expect(normaliseIdNumber('11010519491231002x')).toBe('11010519491231002X');
    expect(maskIdNumber('11010519491231002X')).toBe('110***********002X');
  });

  it.each([
    ['110105194912310021', 'has a wrong check character'],
    ['1101051949123100', 'must be an 18-character resident ID number'],
    ['11010519491231002Y', 'must be an 18-character resident ID number'],
  ])('refuses %s: %s', (raw, message) => {
    expect(() => normaliseIdNumber(raw)).toThrow(
      expect.objectContaining({ fields: [{ field: 'idNumber', message }] }),
    );
  });
});

describe('names for duplicate detection', () => {
  it('ignore width, case and spaces', () => {
    expect(normaliseName('周 一')).toBe(normaliseName('周一'));
    expect(normaliseName('ＪＯＨＮ  Smith')).toBe(normaliseName('john smith'));
  });
});
