import { maskEmail, maskName, maskPhone } from './masking';
import { normalisePhone } from './contact-normalizer';

describe('maskPhone (X1)', () => {
  it.each([
    ['+8613800138000', '138****8000'],
    ['+8613812345678', '138****5678'],
    ['+861012345678', '101***5678'], // Beijing landline: national 1012345678
    ['+14155552671', '+1 415***2671'],
    ['+447911123456', '+44 791***3456'],
  ])('%s -> %s', (e164, expected) => {
    expect(maskPhone(e164)).toBe(expected);
  });

  it('masks a Hong Kong number (8 digits) keeping 3 + 4 digits', () => {
    expect(maskPhone('+85291234567')).toBe('+852 912*4567');
  });

  it('keeps only the last 2 digits of a short national number', () => {
    expect(maskPhone('+3725123456')).toBe('+372 *****56'); // Estonia, 7 digits
  });

  it('masks the same number the same way whatever format it came in', () => {
    for (const raw of ['13800138000', '+86 138 0013 8000', '138-0013-8000']) {
      expect(maskPhone(normalisePhone(raw).value)).toBe('138****8000');
    }
  });

  it('never contains the full national number', () => {
    for (const e164 of ['+8613800138000', '+14155552671', '+3725123456', '+85291234567']) {
      const national = e164.replace(/^\+(86|1|372|852)/, '');
      expect(maskPhone(e164).replace(/\D/g, '')).not.toContain(national);
    }
  });
});

describe('maskEmail (X1)', () => {
  it.each([
    ['zhang.san@example.com', 'z***@example.com'],
    ['ab@example.com', 'a***@example.com'],
    ['a@x.cn', '***@x.cn'],
    ['用户@例子.中国', '用***@例子.中国'],
  ])('%s -> %s', (email, expected) => {
    expect(maskEmail(email)).toBe(expected);
  });

  it('does not reveal the length of the local part', () => {
    expect(maskEmail('zz@example.com')).toBe(maskEmail('zzzzzzzzzz@example.com'));
  });
});

describe('maskName (X1)', () => {
  it.each([
    ['王小明', '王**'],
    ['欧阳娜娜', '欧***'],
    ['李四', '李*'],
    ['王', '*'],
    ['John Smith', 'J*********'],
    ['  张三 ', '张*'],
  ])('%s -> %s', (name, expected) => {
    expect(maskName(name)).toBe(expected);
  });
});
