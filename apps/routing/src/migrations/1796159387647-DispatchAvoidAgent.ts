import type { MigrationInterface, QueryRunner } from 'typeorm';

/** R3 reassign "someone else, please": the agent a waiting ticket must not go back to. */
export class DispatchAvoidAgent1796159387647 implements MigrationInterface {
  name = 'DispatchAvoidAgent1796159387647';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "routing"."ticket_dispatch" ADD "avoid_agent" uuid');
  }

  down(): Promise<void> {
    throw new Error(
      'DispatchAvoidAgent1796159387647 is not reversible: restore from backup or write a new migration',
    );
  }
}
