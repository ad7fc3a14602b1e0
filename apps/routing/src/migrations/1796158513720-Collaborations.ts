import type { MigrationInterface, QueryRunner } from 'typeorm';

/** R3 collaborating departments: each task with its owner and deadline, per ticket (retries by key). */
export class Collaborations1796158513720 implements MigrationInterface {
  name = 'Collaborations1796158513720';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "routing"."ticket_collaborations" ("id" uuid NOT NULL, "ticket_id" uuid NOT NULL, "ticket_no" character varying(32) NOT NULL, "department" character varying(64) NOT NULL, "task" text NOT NULL, "owner_id" uuid, "due_at" TIMESTAMP WITH TIME ZONE NOT NULL, "status" character varying(8) NOT NULL, "requested_by" uuid NOT NULL, "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL, "idempotency_key" character varying(128), "completed_by" uuid, "completed_at" TIMESTAMP WITH TIME ZONE, "outcome" text, CONSTRAINT "PK_8916e01e97e08b4aea12629821f" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "ticket_collaborations_idempotency_uq" ON "routing"."ticket_collaborations"  ("ticket_id", "idempotency_key") WHERE "idempotency_key" IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "ticket_collaborations_open_idx" ON "routing"."ticket_collaborations"  ("department", "due_at") WHERE "status" = \'open\'',
    );
    await queryRunner.query(
      'CREATE INDEX "ticket_collaborations_ticket_idx" ON "routing"."ticket_collaborations"  ("ticket_id", "requested_at") ',
    );
  }

  down(): Promise<void> {
    throw new Error(
      'Collaborations1796158513720 is not reversible: restore from backup or write a new migration',
    );
  }
}
