import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv } from '@closeloop/runtime';

const toNumber = ({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value);

export class RoutingEnv extends CommonEnv {
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(65535)
  override HTTP_PORT = 3002;

  /**
   * The period of the SLA work (warnings, breaches, escalations, R9 outcomes, archiving, improvement cases):
   * each period runs once across replicas (the `sla-sweep` scheduled job, decision 0022). 0 turns it off.
   */
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SLA_SWEEP_INTERVAL_MS = 5_000;

  /**
   * How often the dispatch sweep looks for queued tickets an agent could take and tickets held by agents
   * who left (docs/org-and-dispatch.md); the longest a ticket can wait behind a race. 0 turns it off.
   */
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(3600)
  DISPATCH_SWEEP_SECONDS = 15;
}
