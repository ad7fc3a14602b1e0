import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The facts R1's policy choice used besides level and type, kept so a reclassification (I4) chooses the
 * policy again on the same facts. Null on tickets opened before: policies naming channels or segments then
 * do not match them.
 */
export class TicketChannelSegment1796167300000 implements MigrationInterface {
  name = 'TicketChannelSegment1796167300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "routing"."tickets" ADD "channel" character varying(32), ADD "segment" character varying(16)',
    );
  }

  down(): Promise<void> {
    throw new Error(
      'TicketChannelSegment1796167300000 is not reversible: restore from backup or write a new migration',
    );
  }
}
