import { randomUUID } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * R3's departments, seeded so the seeded dispatch rules (routing) have somewhere to send tickets. Frozen
 * here as data: admins rename, re-parent, add supervisors or deactivate them through /api/v1/org.
 */
const SEEDED_DEPARTMENTS = [
  { id: 'customer-service', name: '客户服务' },
  { id: 'technical-support', name: '技术支持' },
  { id: 'after-sales', name: '售后服务' },
  { id: 'finance', name: '财务' },
] as const;

/**
 * The org directory (issue 4): departments, stores, skills, and the agent profile on users (skills,
 * capacity, availability, version). The seeded departments reach routing like any change: their
 * `org.department-changed.v1` events are written to the outbox in the same transaction.
 */
export class OrgDirectory1796155618498 implements MigrationInterface {
  name = 'OrgDirectory1796155618498';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "gateway"."departments" ("id" character varying(64) NOT NULL, "name" character varying(100) NOT NULL, "parent_id" character varying(64), "supervisor_ids" uuid array NOT NULL DEFAULT \'{}\', "calendar_id" character varying(64), "assignment_strategy" character varying(16) NOT NULL, "prefer_previous_agent" boolean NOT NULL DEFAULT true, "active" boolean NOT NULL DEFAULT true, "version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_839517a681a86bb84cbcc6a1e9d" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "departments_parent_idx" ON "gateway"."departments"  ("parent_id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "gateway"."stores" ("id" character varying(64) NOT NULL, "name" character varying(100) NOT NULL, "size_class" character varying(16) NOT NULL, "department_id" character varying(64), "calendar_id" character varying(64), "active" boolean NOT NULL DEFAULT true, "version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_7aa6e7d71fa7acdd7ca43d7c9cb" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "stores_department_idx" ON "gateway"."stores"  ("department_id") ');
    await queryRunner.query(
      'CREATE TABLE "gateway"."skills" ("id" character varying(64) NOT NULL, "name" character varying(100) NOT NULL, "active" boolean NOT NULL DEFAULT true, "version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0d3212120f4ecedf90864d7e298" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('ALTER TABLE "gateway"."users" ADD "skills" text array NOT NULL DEFAULT \'{}\'');
    await queryRunner.query('ALTER TABLE "gateway"."users" ADD "capacity" integer NOT NULL DEFAULT \'0\'');
    await queryRunner.query(
      'ALTER TABLE "gateway"."users" ADD "availability" character varying(16) NOT NULL DEFAULT \'away\'',
    );
    await queryRunner.query('ALTER TABLE "gateway"."users" ADD "version" integer NOT NULL DEFAULT \'1\'');
    const now = new Date().toISOString();
    for (const department of SEEDED_DEPARTMENTS) {
      await queryRunner.query(
        `INSERT INTO "gateway"."departments" ("id", "name", "assignment_strategy", "version") VALUES ($1, $2, 'round_robin', 1)`,
        [department.id, department.name],
      );
      const id = randomUUID();
      const envelope = {
        specversion: '1.0',
        id,
        type: 'org.department-changed.v1',
        source: 'closeloop/gateway',
        time: now,
        datacontenttype: 'application/json',
        data: {
          departmentId: department.id,
          parentId: null,
          supervisorIds: [],
          calendarId: null,
          assignmentStrategy: 'round_robin',
          preferPreviousAgent: true,
          active: true,
          version: 1,
          changedAt: now,
        },
      };
      await queryRunner.query(
        `INSERT INTO "gateway"."outbox" ("id", "event_type", "envelope") VALUES ($1, $2, $3)`,
        [id, envelope.type, JSON.stringify(envelope)],
      );
    }
  }

  down(): Promise<void> {
    throw new Error(
      'OrgDirectory1796155618498 is not reversible: restore from backup or write a new migration',
    );
  }
}
