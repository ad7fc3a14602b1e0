import { DomainError } from '@closeloop/contracts';
import { SEEDED_INTAKE_SETTINGS } from '../settings/intake-settings';
import { classify } from './classifier';

const settings = SEEDED_INTAKE_SETTINGS.classification;
const base = { channel: 'hotline' as const, description: '想咨询一下会员积分怎么用' };

describe('classify (I2, I4)', () => {
  it('falls back to the per-type defaults when no rule matches', () => {
    expect(classify({ ...base, type: 'consultation' }, settings)).toEqual({
      category: 'general.inquiry',
      level: 'L3',
      classifiedBy: ['default:consultation'],
    });
  });

  it('makes a safety complaint L1 (R1) and still classifies its category by keyword', () => {
    const result = classify(
      { ...base, type: 'complaint', description: '热水器漏电，家人差点受伤' },
      settings,
    );
    expect(result.level).toBe('L1');
    expect(result.category).toBe('product.defect');
    expect(result.classifiedBy).toEqual(['l1-safety', 'cat-defect']);
  });

  it('makes an upset customer at least L2 even for a consultation', () => {
    expect(classify({ ...base, type: 'consultation', emotion: 'upset' }, settings).level).toBe('L2');
  });

  it('keeps a category the caller gave and only decides the level', () => {
    const result = classify(
      { ...base, type: 'complaint', category: 'service.attitude', description: 'the product is broken' },
      settings,
    );
    expect(result.category).toBe('service.attitude');
    expect(result.classifiedBy[0]).toBe('client');
  });

  it('rejects a category outside the taxonomy with a field error', () => {
    expect(() => classify({ ...base, type: 'complaint', category: 'weather.rain' }, settings)).toThrow(
      DomainError,
    );
    try {
      classify({ ...base, type: 'complaint', category: 'weather.rain' }, settings);
    } catch (error) {
      expect((error as DomainError).fields?.[0].field).toBe('category');
    }
  });

  it('matches keywords case-insensitively in the request too', () => {
    const result = classify({ ...base, type: 'complaint', request: 'Please REFUND me' }, settings);
    expect(result.category).toBe('experience.price');
  });

  it('honours the first rule that sets a field, in order', () => {
    const custom = {
      ...settings,
      rules: [
        { id: 'a', when: { keywordsAny: ['x'] }, set: { level: 'L3' as const } },
        { id: 'b', when: { keywordsAny: ['x'] }, set: { level: 'L1' as const } },
      ],
    };
    expect(classify({ ...base, type: 'complaint', description: 'x' }, custom).level).toBe('L3');
  });
});
