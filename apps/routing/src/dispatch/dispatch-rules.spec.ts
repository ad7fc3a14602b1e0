import { validateContract, type FeedbackType } from '@closeloop/contracts';
import { DISPATCH_SEED_V1 } from '../migrations/1796156103567-DispatchRules';
import { checkDispatchSettings, chooseDepartment, type DirectoryState } from './dispatch-rules';
import { DispatchSettings } from '../settings/dispatch-settings';

const seed = validateContract(DispatchSettings, DISPATCH_SEED_V1);
const allActive = (): DirectoryState => 'active';
const route = (
  category: string,
  type: FeedbackType = 'complaint',
  state: (id: string) => DirectoryState = allActive,
) => chooseDepartment(seed, { category, type, level: 'L2' }, state);

describe('R3 dispatch with the seeded rules', () => {
  it.each([
    ['product.defect', 'technical-support', 'technical'],
    ['product.performance', 'technical-support', 'technical'],
    ['experience.interface', 'technical-support', 'technical'],
    ['experience.price', 'finance', 'billing'],
    ['service.after_sales', 'after-sales', 'after-sales'],
    ['service.attitude', 'customer-service', 'service'],
    ['service.process_efficiency', 'customer-service', 'service'],
    ['experience.convenience', 'customer-service', 'service'],
    ['product.feature_request', 'customer-service', 'service'],
    ['general.inquiry', 'customer-service', 'service'],
    ['general.other', 'customer-service', 'service'],
  ])('sends %s to %s (rule %s)', (category, department, rule) => {
    expect(route(category)).toEqual({ department, rule, requiredSkills: [] });
  });

  it('sends an after-sales request to after-sales whatever its category', () => {
    expect(route('product.defect', 'after_sales')).toMatchObject({
      department: 'after-sales',
      rule: 'after-sales-requests',
    });
  });

  it('falls back for a category no rule names', () => {
    expect(route('logistics.delay')).toEqual({
      department: 'customer-service',
      rule: null,
      requiredSkills: [],
    });
  });

  it('passes over a rule whose department is deactivated, but uses one routing has not heard of yet', () => {
    const financeOff = (id: string): DirectoryState => (id === 'finance' ? 'inactive' : 'active');
    expect(route('experience.price', 'complaint', financeOff)).toMatchObject({
      department: 'customer-service',
      rule: null,
    });
    const unknown = (): DirectoryState => 'unknown';
    expect(route('experience.price', 'complaint', unknown)).toMatchObject({ department: 'finance' });
  });

  it('matches every given list, and a group wildcard only within its group', () => {
    const settings = validateContract(DispatchSettings, {
      fallbackDepartment: 'desk',
      rules: [
        {
          id: 'urgent-product',
          match: { categories: ['product.*'], levels: ['L1'], types: ['complaint'] },
          department: 'tier-2',
          requiredSkills: ['hardware'],
        },
      ],
    });
    const decide = (category: string, level: 'L1' | 'L2') =>
      chooseDepartment(settings, { category, level, type: 'complaint' }, allActive);
    expect(decide('product.defect', 'L1')).toEqual({
      department: 'tier-2',
      rule: 'urgent-product',
      requiredSkills: ['hardware'],
    });
    expect(decide('product.defect', 'L2').department).toBe('desk');
    expect(decide('productx.defect', 'L1').department).toBe('desk');
  });
});

describe('checking a dispatch document', () => {
  it('accepts the seed when the seeded departments exist', () => {
    expect(checkDispatchSettings(seed, allActive, allActive)).toEqual([]);
  });

  it('names every broken reference and duplicate id by its field', () => {
    const settings = validateContract(DispatchSettings, {
      fallbackDepartment: 'gone',
      rules: [
        { id: 'a', match: {}, department: 'finance', requiredSkills: ['billing', 'juggling'] },
        { id: 'a', match: {}, department: 'nowhere' },
      ],
    });
    const departments = (id: string): DirectoryState =>
      id === 'finance' ? 'active' : id === 'gone' ? 'inactive' : 'unknown';
    const skills = (id: string): DirectoryState => (id === 'billing' ? 'active' : 'unknown');
    expect(checkDispatchSettings(settings, departments, skills)).toEqual([
      {
        field: 'rules.0.requiredSkills.1',
        message: expect.stringContaining('skill juggling is not in the org directory'),
      },
      { field: 'rules.1.id', message: 'duplicate rule id a' },
      {
        field: 'rules.1.department',
        message: expect.stringContaining('department nowhere is not in the org directory'),
      },
      { field: 'fallbackDepartment', message: 'department gone is deactivated' },
    ]);
  });

  it('refuses a malformed category pattern', () => {
    expect(() =>
      validateContract(DispatchSettings, {
        fallbackDepartment: 'desk',
        rules: [{ id: 'x', match: { categories: ['product*'] }, department: 'desk' }],
      }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
