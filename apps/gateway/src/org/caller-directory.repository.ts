import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SERVICE_ENV } from '@closeloop/runtime';
import type { Role } from '@closeloop/contracts';
import type { GatewayEnv } from '../gateway.env';

/** What the directory says about a user right now: the part of the `Caller` the token cannot be trusted for. */
export interface CallerGrants {
  roles: Role[];
  departments: string[];
  stores: string[];
}

interface Row {
  roles: Role[];
  active: boolean;
  departments: string[];
  stores: string[];
  supervised: string[];
  supervised_stores: string[];
}

/** A bound on memory: beyond it the oldest entries go first (a miss only costs one indexed query). */
const MAX_ENTRIES = 10_000;

/**
 * The roles, departments and stores of a caller, from the org directory (docs/decisions/0006): looked up
 * per request and cached per gateway replica for `CALLER_CACHE_SECONDS`, so a user moved out of a
 * department, or deactivated, loses access on every replica within that bound, whatever their token says.
 *
 * A supervisor's departments are those they belong to, those they supervise and everything below those
 * (R7 escalates up the tree, so a parent's supervisor must see the children's tickets); their stores add
 * the stores of the departments they supervise.
 */
@Injectable()
export class CallerDirectoryRepository {
  private readonly cache = new Map<string, { at: number; grants: Promise<CallerGrants | null> }>();
  private readonly ttlMs: number;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_ENV) env: GatewayEnv,
  ) {
    this.ttlMs = env.CALLER_CACHE_SECONDS * 1000;
  }

  /** The user's grants, or null when the user is unknown or deactivated (their token is then refused). */
  resolve(userId: string): Promise<CallerGrants | null> {
    const cached = this.cache.get(userId);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.grants;
    // The promise is cached, so concurrent requests of one user share one lookup.
    const grants = this.load(userId);
    this.cache.delete(userId);
    this.cache.set(userId, { at: Date.now(), grants });
    void grants.catch(() => this.cache.delete(userId));
    if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return grants;
  }

  /** Drops cached grants of these users on this replica (other replicas follow within the TTL). */
  forget(...userIds: string[]): void {
    for (const userId of userIds) this.cache.delete(userId);
  }

  /** After changes that can move many users' grants at once (the department tree, stores). */
  forgetAll(): void {
    this.cache.clear();
  }

  private async load(userId: string): Promise<CallerGrants | null> {
    const rows: Row[] = await this.dataSource.query(
      `WITH RECURSIVE supervised AS (
         SELECT d.id FROM gateway.departments d WHERE $1 = ANY(d.supervisor_ids) AND d.active
         UNION
         SELECT c.id FROM gateway.departments c JOIN supervised s ON c.parent_id = s.id WHERE c.active
       )
       SELECT u.roles, u.active, u.departments, u.stores,
              ARRAY(SELECT id FROM supervised ORDER BY id) AS supervised,
              ARRAY(SELECT st.id FROM gateway.stores st
                     WHERE st.active AND st.department_id IN (SELECT id FROM supervised) ORDER BY st.id)
                AS supervised_stores
         FROM gateway.users u WHERE u.id = $1`,
      [userId],
    );
    const row = rows[0];
    if (!row || !row.active) return null;
    // Listed as a supervisor counts only while the user holds the supervisor role.
    const supervising = row.roles.includes('supervisor');
    return {
      roles: row.roles,
      departments: union(row.departments, supervising ? row.supervised : []),
      stores: union(row.stores, supervising ? row.supervised_stores : []),
    };
  }
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}
