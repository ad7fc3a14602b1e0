import { priorityOf, runningHigh } from './improvement-rules';

const weights = { perCustomer: 1, perThousandYuan: 1, highAt: 50, mediumAt: 20 };
const ids = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);

describe('R8 priority: customers affected and money at stake', () => {
  it.each([
    [10, 0, 10, 'low'],
    [20, 0, 20, 'medium'],
    [5, 4_500_000, 50, 'high'], // 5 customers + 45 thousand yuan
    [0, 1_234_567, 12.35, 'low'], // money alone, rounded to cents of a point
  ] as const)('%i customers and %i fen -> %d (%s)', (customers, fen, priority, band) => {
    expect(priorityOf({ customerIds: ids(customers), amountAtStakeFen: fen }, weights)).toEqual({
      priority,
      priorityBand: band,
    });
  });

  it('weights are settings: money can count for nothing', () => {
    expect(
      priorityOf({ customerIds: ids(3), amountAtStakeFen: 9e9 }, { ...weights, perThousandYuan: 0 }),
    ).toEqual({
      priority: 3,
      priorityBand: 'low',
    });
  });
});

describe('R8 running high N weeks in a row', () => {
  const weeks = ['2026-W45', '2026-W46', '2026-W47'];
  it('needs every week above the threshold (strictly), missing weeks count as zero', () => {
    const counts = [
      ...weeks.map((week) => ({ category: 'product.defect', week, tickets: 11 })),
      ...weeks.map((week, i) => ({ category: 'service.attitude', week, tickets: i === 1 ? 10 : 30 })),
      { category: 'experience.price', week: '2026-W45', tickets: 50 },
      { category: 'experience.price', week: '2026-W47', tickets: 50 },
    ];
    const running = runningHigh(counts, weeks, 10);
    expect([...running.keys()]).toEqual(['product.defect']);
    expect(running.get('product.defect')).toEqual(weeks.map((week) => ({ week, tickets: 11 })));
  });
});
