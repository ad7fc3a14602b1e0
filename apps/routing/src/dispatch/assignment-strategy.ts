import type { AssignmentStrategy } from '@closeloop/contracts';

/** An agent who may take tickets of the department now (active, on shift, a member), with their load. */
export interface Candidate {
  userId: string;
  skillIds: string[];
  capacity: number;
  /** Open tickets assigned to them now. */
  load: number;
}

/** Has room (R3 capacity: most open tickets at once) and every required skill. */
export function isEligible(candidate: Candidate, requiredSkills: readonly string[]): boolean {
  return (
    candidate.load < candidate.capacity && requiredSkills.every((skill) => candidate.skillIds.includes(skill))
  );
}

/**
 * The department's turn order: agents by id, starting after the one who had the last turn (wrapping), so
 * each turn goes to the next agent however agents join, leave or go away in between.
 */
export function turnOrder<C extends { userId: string }>(
  candidates: readonly C[],
  lastAgent: string | null,
): C[] {
  const byId = [...candidates].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  if (lastAgent === null) return byId;
  const next = byId.findIndex((candidate) => candidate.userId > lastAgent);
  return next <= 0 ? byId : [...byId.slice(next), ...byId.slice(0, next)];
}

/**
 * R3: the eligible candidates in the order the department's strategy prefers them (the first is the one to
 * get the ticket; the rest are the fall-backs if the first turns out full once locked).
 * - round_robin: turn order;
 * - least_load: the lowest share of capacity in use, then the fewest open tickets, then turn order;
 * - skills: the fewest skills beyond those required (specialists first, keeping generalists free for what
 *   only they can do), then as least_load.
 */
export function rankCandidates(
  strategy: AssignmentStrategy,
  candidates: readonly Candidate[],
  requiredSkills: readonly string[],
  lastAgent: string | null,
): Candidate[] {
  const ordered = turnOrder(
    candidates.filter((candidate) => isEligible(candidate, requiredSkills)),
    lastAgent,
  );
  const byLoad = (a: Candidate, b: Candidate) => a.load / a.capacity - b.load / b.capacity || a.load - b.load;
  const extraSkills = (c: Candidate) => c.skillIds.filter((skill) => !requiredSkills.includes(skill)).length;
  switch (strategy) {
    case 'round_robin':
      return ordered;
    case 'least_load':
      // Array.prototype.sort is stable: equal loads keep turn order.
      return ordered.sort(byLoad);
    case 'skills':
      return ordered.sort((a, b) => extraSkills(a) - extraSkills(b) || byLoad(a, b));
  }
}
