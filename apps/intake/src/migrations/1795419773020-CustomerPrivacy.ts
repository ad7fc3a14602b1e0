import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * X1, X2: the audit log, the erasure mark on customers, and the `privacy` settings document. The seeded
 * values are frozen here (not imported), so this migration means the same thing forever.
 */
export class CustomerPrivacy1795419773020 implements MigrationInterface {
  name = 'CustomerPrivacy1795419773020';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "intake"."audit_log" ("id" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "actor" uuid, "action" character varying(64) NOT NULL, "customer_id" uuid, "fields" text array NOT NULL, "reason" character varying(200), "correlation_id" character varying(128), CONSTRAINT "PK_07fefa57f7f5ab8fc3f52b3ed0b" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "audit_log_actor_idx" ON "intake"."audit_log"  ("actor", "at") ');
    await queryRunner.query(
      'CREATE INDEX "audit_log_customer_idx" ON "intake"."audit_log"  ("customer_id", "at") ',
    );
    await queryRunner.query('CREATE INDEX "audit_log_at_idx" ON "intake"."audit_log"  ("at", "id") ');
    await queryRunner.query('ALTER TABLE "intake"."customers" ADD "erased_at" TIMESTAMP WITH TIME ZONE');
    // X1 seeded default: supervisors and admins may unmask, with a reason, audited.
    await queryRunner.query(
      `INSERT INTO "intake"."settings" ("key", "value") VALUES ('privacy', $1) ON CONFLICT ("key") DO NOTHING`,
      [JSON.stringify({ unmaskRoles: ['supervisor', 'admin'] })],
    );
  }

  down(): Promise<void> {
    throw new Error(
      'CustomerPrivacy1795419773020 is not reversible: restore from backup or write a new migration',
    );
  }
}
