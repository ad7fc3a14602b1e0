import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `recording` settings: how far back a feedback's stated `receivedAt` may lie (a week, so a store's comment
 * book transcribed weekly still counts from the day the customer wrote), and the clients' clock skew tolerated
 * forward. Values frozen here, so this migration means the same thing forever.
 */
export class RecordingSettings1796155400588 implements MigrationInterface {
  name = 'RecordingSettings1796155400588';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `INSERT INTO "intake"."settings" ("key", "value") VALUES ('recording', $1) ON CONFLICT ("key") DO NOTHING`,
      [JSON.stringify({ maxBackdateHours: 168, maxClockSkewSeconds: 120 })],
    );
  }

  down(): Promise<void> {
    throw new Error('RecordingSettings1796155400588 is not reversible: write a new migration');
  }
}
