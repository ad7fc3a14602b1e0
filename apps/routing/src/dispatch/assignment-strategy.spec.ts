import fc from 'fast-check';
import { rankCandidates, turnOrder, type Candidate } from './assignment-strategy';

const agent = (userId: string, load: number, capacity = 5, skillIds: string[] = []): Candidate => ({
  userId,
  load,
  capacity,
  skillIds,
});
const ids = (candidates: Candidate[]) => candidates.map((c) => c.userId);

describe('R3 assignment strategies', () => {
  it('round robin: the next agent after the last turn, wrapping, skipping the full', () => {
    const team = [agent('c', 0), agent('a', 1), agent('b', 5), agent('d', 2)];
    expect(ids(rankCandidates('round_robin', team, [], null))).toEqual(['a', 'c', 'd']);
    expect(ids(rankCandidates('round_robin', team, [], 'a'))).toEqual(['c', 'd', 'a']);
    expect(ids(rankCandidates('round_robin', team, [], 'd'))).toEqual(['a', 'c', 'd']);
    // The last agent may have left the department: the turn goes to whoever comes after them.
    expect(ids(rankCandidates('round_robin', team, [], 'bb'))).toEqual(['c', 'd', 'a']);
  });

  it('least load: the lowest share of capacity in use, then fewer tickets, then turn order', () => {
    const team = [agent('a', 2, 4), agent('b', 1, 2), agent('c', 1, 10), agent('d', 1, 10)];
    expect(ids(rankCandidates('least_load', team, [], null))).toEqual(['c', 'd', 'b', 'a']);
    expect(ids(rankCandidates('least_load', team, [], 'c'))).toEqual(['d', 'c', 'b', 'a']);
  });

  it('skills: only agents with every required skill, specialists first', () => {
    const team = [
      agent('generalist', 0, 5, ['billing', 'hardware', 'network']),
      agent('specialist', 3, 5, ['billing']),
      agent('novice', 0, 5, []),
    ];
    expect(ids(rankCandidates('skills', team, ['billing'], null))).toEqual(['specialist', 'generalist']);
    // Required skills filter every strategy.
    expect(ids(rankCandidates('round_robin', team, ['hardware'], null))).toEqual(['generalist']);
    expect(rankCandidates('least_load', team, ['juggling'], null)).toEqual([]);
  });

  it('never offers an agent without room, and offers every agent with room exactly once', () => {
    const candidate = fc.record({
      userId: fc.uuid(),
      load: fc.nat({ max: 12 }),
      capacity: fc.integer({ min: 1, max: 10 }),
      skillIds: fc.subarray(['a', 'b', 'c']),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(candidate, { selector: (c) => c.userId, maxLength: 12 }),
        fc.constantFrom('round_robin' as const, 'least_load' as const, 'skills' as const),
        fc.subarray(['a', 'b']),
        fc.option(fc.uuid(), { nil: null }),
        (team, strategy, required, last) => {
          const ranked = rankCandidates(strategy, team, required, last);
          const eligible = team.filter(
            (c) => c.load < c.capacity && required.every((s) => c.skillIds.includes(s)),
          );
          expect(new Set(ids(ranked))).toEqual(new Set(ids(eligible)));
          expect(ranked).toHaveLength(eligible.length);
        },
      ),
    );
  });

  it('hands n turns in a row to n different agents (round robin never repeats before all had one)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 10 }), (team) => {
        let last: string | null = null;
        const given: string[] = [];
        for (let turn = 0; turn < team.length; turn++) {
          last = turnOrder(
            team.map((userId) => ({ userId })),
            last,
          )[0].userId;
          given.push(last);
        }
        expect(new Set(given).size).toBe(team.length);
      }),
    );
  });
});
