import type { MigrationInterface, QueryRunner } from 'typeorm';
import { scheduledJobsTableDown, scheduledJobsTableUp } from '@closeloop/persistence';

/** The claims of routing's scheduled jobs (@closeloop/scheduling, decision 0022). */
export class ScheduledJobs1796672872445 implements MigrationInterface {
  name = 'ScheduledJobs1796672872445';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of scheduledJobsTableUp('routing')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of scheduledJobsTableDown('routing')) await queryRunner.query(sql);
  }
}
