import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Login limits per client IP and per account, shared by the replicas (issue 14; docs/decisions/0018). */
export class LoginLimits1796673176040 implements MigrationInterface {
  name = 'LoginLimits1796673176040';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "gateway"."login_limits" ("key" character varying(80) NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "attempts" integer NOT NULL, "failures" integer NOT NULL DEFAULT 0, "last_failure_at" TIMESTAMP WITH TIME ZONE, "locked_until" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_login_limits" PRIMARY KEY ("key"))',
    );
    await queryRunner.query(
      'CREATE INDEX "login_limits_window_idx" ON "gateway"."login_limits" ("window_start")',
    );
  }

  down(): Promise<void> {
    throw new Error('LoginLimits1796673176040 is not reversible: write a new migration');
  }
}
