import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event reconciliation (issue 14): intake learns from `ticket.opened.v1` that a feedback has its ticket;
 * a feedback without one after EVENT_RECONCILE_DELAY_SECONDS has its `feedback.received.v1` published again
 * (`republished_at`: when last). Feedback stored before this migration counts as ticketed: its event ids
 * were not kept, and it was handled long ago in practice.
 */
export class FeedbackTicketOpened1796672872447 implements MigrationInterface {
  name = 'FeedbackTicketOpened1796672872447';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "intake"."feedback" ADD "ticket_opened_at" TIMESTAMP WITH TIME ZONE, ADD "republished_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(`UPDATE "intake"."feedback" SET "ticket_opened_at" = "created_at"`);
    await queryRunner.query(
      `CREATE INDEX "feedback_without_ticket_idx" ON "intake"."feedback" ("created_at") WHERE "ticket_opened_at" IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "intake"."feedback_without_ticket_idx"`);
    await queryRunner.query(
      `ALTER TABLE "intake"."feedback" DROP COLUMN "republished_at", DROP COLUMN "ticket_opened_at"`,
    );
  }
}
