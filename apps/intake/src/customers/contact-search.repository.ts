import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The per-user counters of searches by contact (X1), one row per user, shared by every intake replica. */
@Injectable()
export class ContactSearchRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Counts one search of `userId` in the current fixed window of `windowSeconds` (aligned on the epoch, so
   * every replica computes the same window) and answers the count including this one, and when the window
   * ends. One atomic statement: concurrent searches on several replicas each get their own count.
   */
  async take(userId: string, windowSeconds: number): Promise<{ searches: number; windowEnds: Date }> {
    const [row] = await this.dataSource.query<{ searches: number; window_start: Date }[]>(
      `INSERT INTO intake.contact_search_counters AS c (user_id, window_start, searches)
       VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
       ON CONFLICT (user_id) DO UPDATE SET
         searches = CASE WHEN c.window_start = EXCLUDED.window_start THEN c.searches + 1 ELSE 1 END,
         window_start = EXCLUDED.window_start
       RETURNING searches, window_start`,
      [userId, windowSeconds],
    );
    return {
      searches: row.searches,
      windowEnds: new Date(row.window_start.getTime() + windowSeconds * 1000),
    };
  }

  /** The most searches one user made in the current window (0 when nobody searched). */
  async busiestUser(windowSeconds: number): Promise<number> {
    const [row] = await this.dataSource.query<{ searches: number }[]>(
      `SELECT coalesce(max(searches), 0)::int AS searches FROM intake.contact_search_counters
        WHERE window_start = to_timestamp(floor(extract(epoch FROM now()) / $1) * $1)`,
      [windowSeconds],
    );
    return row.searches;
  }
}
