import type { MigrationInterface, QueryRunner } from 'typeorm';
import { scheduledJobsTableUp } from '@closeloop/persistence';

/**
 * intake's `scheduled_jobs` takes the shape every service shares (@closeloop/scheduling, decision 0022):
 * a fencing token, the holder, the last outcome and a failure count. Rows keep their due times and history;
 * a lease held during the upgrade is kept (its holder is an old replica: it expires and the job runs again).
 */
export class ScheduledJobs1796672872445 implements MigrationInterface {
  name = 'ScheduledJobs1796672872445';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "intake"."scheduled_jobs" RENAME TO "scheduled_jobs_before_0017"`);
    await queryRunner.query(
      `ALTER TABLE "intake"."scheduled_jobs_before_0017" RENAME CONSTRAINT "PK_5c795bbd339d082a44c10f1bb4c" TO "scheduled_jobs_before_0017_pk"`,
    );
    for (const sql of scheduledJobsTableUp('intake')) await queryRunner.query(sql);
    await queryRunner.query(
      `INSERT INTO "intake"."scheduled_jobs" (name, next_run_at, lease_until, last_started_at, last_finished_at,
         last_outcome, last_error, runs)
       SELECT name, next_run_at, lease_until, last_started_at, last_finished_at,
         CASE WHEN last_error IS NOT NULL THEN 'failed' WHEN last_finished_at IS NOT NULL THEN 'succeeded' END,
         last_error, runs
       FROM "intake"."scheduled_jobs_before_0017"`,
    );
    await queryRunner.query(`DROP TABLE "intake"."scheduled_jobs_before_0017"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "intake"."scheduled_jobs" DROP COLUMN "fence", DROP COLUMN "holder",
         DROP COLUMN "last_outcome", DROP COLUMN "failures"`,
    );
  }
}
