import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Assignment (R3, C9): each open ticket's dispatch state (department, agent or queue, required skills,
 * urgency) with an index for agents' loads and a partial index for the department queues, and the round
 * robin turn of each department. Tickets opened before this migration have no dispatch row: a supervisor's
 * reassign gives them one (docs/org-and-dispatch.md).
 */
export class Assignment1796156262222 implements MigrationInterface {
  name = 'Assignment1796156262222';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "routing"."assignment_cursors" ("department" character varying(64) NOT NULL, "last_agent" uuid, "turns" bigint NOT NULL DEFAULT \'0\', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1feee10bf430f0e829550934872" PRIMARY KEY ("department"))',
    );
    await queryRunner.query(
      'CREATE TABLE "routing"."ticket_dispatch" ("ticket_id" uuid NOT NULL, "ticket_no" character varying(32) NOT NULL, "department" character varying(64) NOT NULL, "assignee" uuid, "required_skills" text array NOT NULL DEFAULT \'{}\', "urgency_due" TIMESTAMP WITH TIME ZONE NOT NULL, "queued_since" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_58654ee3a32336b37bb17538913" PRIMARY KEY ("ticket_id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ticket_dispatch_queue_idx" ON "routing"."ticket_dispatch"  ("department", "urgency_due", "queued_since") WHERE "assignee" IS NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "ticket_dispatch_assignee_idx" ON "routing"."ticket_dispatch"  ("assignee") ',
    );
  }

  down(): Promise<void> {
    throw new Error(
      'Assignment1796156262222 is not reversible: restore from backup or write a new migration',
    );
  }
}
