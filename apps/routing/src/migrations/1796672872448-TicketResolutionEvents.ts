import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event reconciliation of resolutions (issue 14): which resolution's `ticket.resolved.v1` routing saw on the
 * stream. Tickets resolved before this migration count as seen: their event ids were random, not derived.
 */
export class TicketResolutionEvents1796672872448 implements MigrationInterface {
  name = 'TicketResolutionEvents1796672872448';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "routing"."ticket_resolution_events" ("ticket_id" uuid NOT NULL, "resolved_at" TIMESTAMP WITH TIME ZONE NOT NULL, "seen_at" TIMESTAMP WITH TIME ZONE, "republished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_ticket_resolution_events" PRIMARY KEY ("ticket_id", "resolved_at"))`,
    );
    await queryRunner.query(
      `INSERT INTO "routing"."ticket_resolution_events" (ticket_id, resolved_at, seen_at)
       SELECT id, resolved_at, now() FROM "routing"."tickets" WHERE status = 'resolved' AND resolved_at IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "routing"."ticket_resolution_events"`);
  }
}
