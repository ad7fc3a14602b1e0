import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several writers commit an import's batches out of file order (decision 0012): each batch adds its lines to
 * `committed_lines`, a resumed run skips them, and `checkpoint_line` stays the contiguous committed prefix.
 * Jobs stopped before this migration resume from their checkpoint as before.
 */
export class ImportCommittedLines1796170000000 implements MigrationInterface {
  name = 'ImportCommittedLines1796170000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "intake"."imports" ADD "committed_lines" int4multirange NOT NULL DEFAULT '{}'`,
    );
    await queryRunner.query(
      `UPDATE "intake"."imports" SET "committed_lines" = int4multirange(int4range(1, "checkpoint_line" + 1))
       WHERE "checkpoint_line" > 0`,
    );
  }

  down(): Promise<void> {
    throw new Error('ImportCommittedLines1796170000000 is not reversible: write a new migration');
  }
}
