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
 * Lookups are remembered for one sweep batch.
 */
export class EscalationTargets {
  private readonly chains = new Map<string, Promise<EscalationTarget[]>>();

  constructor(
    private readonly directory: Pick<OrgDirectoryService, 'supervisorsOf' | 'parentOf'>,
    private readonly manager: EntityManager,
  ) {}

  async at(department: string | null, level: number): Promise<EscalationTarget | null> {
    const chain = department ? await this.chain(department) : [];
    const target = chain[level - 1];
    if (target) return target;
    return level === 1 ? { department: null, supervisorIds: [] } : null;
  }

  private chain(department: string): Promise<EscalationTarget[]> {
    let chain = this.chains.get(department);
    if (!chain) {
      chain = this.walk(department);
      this.chains.set(department, chain);
    }
    return chain;
  }

  private async walk(start: string): Promise<EscalationTarget[]> {
    const chain: EscalationTarget[] = [];
    const seen = new Set<string>();
    for (let department: string | null = start; department && !seen.has(department);) {
      seen.add(department);
      if (seen.size > MAX_DEPTH) break;
      const supervisorIds = await this.directory.supervisorsOf(this.manager, department);
      if (supervisorIds.length > 0) chain.push({ department, supervisorIds });
      department = await this.directory.parentOf(this.manager, department);
    }
    return chain;
  }
}
