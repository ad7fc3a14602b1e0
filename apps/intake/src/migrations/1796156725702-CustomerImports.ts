import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Bulk imports of customers and orders: jobs, their encrypted file chunks, their row errors. */

export class CustomerImports1796156725702 implements MigrationInterface {
  name = 'CustomerImports1796156725702';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "intake"."imports" ("id" uuid NOT NULL, "kind" character varying(16) NOT NULL, "format" character varying(8) NOT NULL, "file_name" character varying(200), "status" character varying(16) NOT NULL, "bytes" bigint NOT NULL DEFAULT \'0\', "chunks" integer NOT NULL DEFAULT \'0\', "checkpoint_line" integer NOT NULL DEFAULT \'0\', "rows_read" integer NOT NULL DEFAULT \'0\', "created" integer NOT NULL DEFAULT \'0\', "updated" integer NOT NULL DEFAULT \'0\', "unchanged" integer NOT NULL DEFAULT \'0\', "failed" integer NOT NULL DEFAULT \'0\', "error" text, "lease_until" TIMESTAMP WITH TIME ZONE, "created_by" uuid, "scope_stores" text array, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_ea10c62f5eb1d75e83d8b5225db" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "imports_status_idx" ON "intake"."imports"  ("status", "created_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "intake"."import_chunks" ("import_id" uuid NOT NULL, "seq" integer NOT NULL, "data" bytea NOT NULL, CONSTRAINT "PK_17be9951f9d1f93f12d19a577d8" PRIMARY KEY ("import_id", "seq"))',
    );
    await queryRunner.query(
      'CREATE TABLE "intake"."import_errors" ("import_id" uuid NOT NULL, "line" integer NOT NULL, "field" character varying(64) NOT NULL, "message" character varying(200) NOT NULL, CONSTRAINT "PK_2a4ad25ec2103f13e7aa745af39" PRIMARY KEY ("import_id", "line", "field"))',
    );
    await queryRunner.query(
      'ALTER TABLE "intake"."import_chunks" ADD CONSTRAINT "import_chunks_import_fk" FOREIGN KEY ("import_id") REFERENCES "intake"."imports"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "intake"."import_errors" ADD CONSTRAINT "import_errors_import_fk" FOREIGN KEY ("import_id") REFERENCES "intake"."imports"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  down(): Promise<void> {
    throw new Error(
      'CustomerImports1796156725702 is not reversible: restore from backup or write a new migration',
    );
  }
}
