import type { EntityManager } from 'typeorm';
import type { OrgDirectoryService } from '../org/org-directory.service';

/** Who receives an escalation: a department's supervisors (null department = the supervisors' desk). */
export interface EscalationTarget {
  department: string | null;
  supervisorIds: string[];
}

/** Stops a misconfigured directory (a department its own ancestor) from looping. */
const MAX_DEPTH = 32;

/**
 * R7: escalation level k of a ticket goes to the k-th department, walking up from the ticket's own,
 * that has active supervisors (a department without any is passed over, as the org directory asks).
 * Level 1 with nobody found goes to the supervisors' desk (`department: null`): a breach is never
 * escalated to no one. A higher level with nobody above is not sent (`null`): the top was reached.
 * Each department is looked up once per sweep pass, before the alerts that need it are built (`prefetch`).
 */
export class EscalationTargets {
  private readonly chains = new Map<string, EscalationTarget[]>();

  constructor(private readonly directory: Pick<OrgDirectoryService, 'supervisorsOf' | 'parentOf'>) {}

  /** Walks the chain of every department given (once each). */
  async prefetch(manager: EntityManager, departments: readonly (string | null)[]): Promise<void> {
    for (const department of new Set(departments)) {
      if (department && !this.chains.has(department)) {
        this.chains.set(department, await this.walk(manager, department));
      }
    }
  }

  /** The target of escalation `level` for a ticket of `department` (prefetched). */
  at(department: string | null, level: number): EscalationTarget | null {
    const chain = department ? this.chains.get(department) : [];
    if (!chain) throw new Error(`escalation chain of ${department} was not prefetched`);
    const target = chain[level - 1];
    if (target) return target;
    return level === 1 ? { department: null, supervisorIds: [] } : null;
  }

  private async walk(manager: EntityManager, start: string): Promise<EscalationTarget[]> {
    const chain: EscalationTarget[] = [];
    const seen = new Set<string>();
    for (let department: string | null = start; department && !seen.has(department);) {
      seen.add(department);
      if (seen.size > MAX_DEPTH) break;
      const supervisorIds = await this.directory.supervisorsOf(manager, department);
      if (supervisorIds.length > 0) chain.push({ department, supervisorIds });
      department = await this.directory.parentOf(manager, department);
    }
    return chain;
  }
}
