import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An import's claim carries a fencing token (decision 0022): raised by every claim, named by the runner's
 * batch and finish writes, so a runner that stalled past its lease cannot write after another took over.
 */
export class ImportLeaseFence1796672872446 implements MigrationInterface {
  name = 'ImportLeaseFence1796672872446';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "intake"."imports" ADD "lease_fence" bigint NOT NULL DEFAULT '0'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "intake"."imports" DROP COLUMN "lease_fence"`);
  }
}
