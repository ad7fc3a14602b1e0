import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv } from '@closeloop/runtime';

export class RoutingEnv extends CommonEnv {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value))
  @IsInt()
  @Min(0)
  @Max(65535)
  override HTTP_PORT = 3002;

  /**
   * How often each replica looks for SLA work (warnings, breaches, escalations, R9 outcomes, archiving).
   * Every replica runs it; claimed rows keep the work from happening twice. 0 turns the timer off.
   */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value))
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SLA_SWEEP_INTERVAL_MS = 5_000;
}
