import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OrgReadModel1796155620452 implements MigrationInterface {
  name = 'OrgReadModel1796155620452';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "routing"."org_agents" ("user_id" uuid NOT NULL, "roles" text array NOT NULL, "department_ids" text array NOT NULL, "store_ids" text array NOT NULL, "skill_ids" text array NOT NULL, "capacity" integer NOT NULL, "availability" character varying(16) NOT NULL, "active" boolean NOT NULL, "version" integer NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1a2b59a9bfa9d027050f3e72a33" PRIMARY KEY ("user_id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "routing"."org_departments" ("id" character varying(64) NOT NULL, "parent_id" character varying(64), "supervisor_ids" uuid array NOT NULL DEFAULT \'{}\', "calendar_id" character varying(64), "assignment_strategy" character varying(16) NOT NULL, "prefer_previous_agent" boolean NOT NULL, "active" boolean NOT NULL, "version" integer NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_2e4ec398aa6f321e6c098d7598b" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "routing"."org_skills" ("id" character varying(64) NOT NULL, "active" boolean NOT NULL, "version" integer NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_d793eecc24c850af2d8f6ca4d6c" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "routing"."org_stores" ("id" character varying(64) NOT NULL, "size_class" character varying(16) NOT NULL, "department_id" character varying(64), "calendar_id" character varying(64), "active" boolean NOT NULL, "version" integer NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5c9f7747ba802ac1d4ffa06014c" PRIMARY KEY ("id"))',
    );
  }

  down(): Promise<void> {
    throw new Error(
      'OrgReadModel1796155620452 is not reversible: restore from backup or write a new migration',
    );
  }
}
