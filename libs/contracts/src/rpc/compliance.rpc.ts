import { Type } from 'class-transformer';
import { IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { Caller } from '../caller';
import type { Level, SlaMetricName } from '../domain';
import { defineRpc } from './rpc';

/** An ISO week, `2026-W49`: Monday 00:00 to Monday 00:00 in the business time zone. */
export const ISO_WEEK = /^\d{4}-W\d{2}$/;

export class ComplianceRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  /** Default: the current business week. */
  @IsOptional()
  @Matches(ISO_WEEK, { message: 'week must look like 2026-W49' })
  week?: string;

  /** One department; supervisors see their own departments only. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  department?: string;
}

/** Met / due of the due times that fell in the week (R7): each metric, and all of them together. */
export interface ComplianceFigures {
  due: number;
  met: number;
  /** met / due in percent, one decimal; null when nothing was due. */
  ratePercent: number | null;
  /** Below the compliance threshold (settings `compliance.thresholdPercent`, seeded 80). */
  flagged: boolean;
  metrics: Record<SlaMetricName, { due: number; met: number }>;
}

export interface ComplianceView {
  week: string;
  from: string;
  to: string;
  timeZone: string;
  thresholdPercent: number;
  /** The departments counted: all (null) or the listed ones. */
  departments: string[] | null;
  total: ComplianceFigures;
  byLevel: (ComplianceFigures & { level: Level })[];
  byCategory: (ComplianceFigures & { category: string })[];
}

export const ComplianceRpc = {
  weekly: defineRpc<ComplianceRequest, ComplianceView>('routing', 'sla.compliance.weekly', ComplianceRequest),
} as const;
