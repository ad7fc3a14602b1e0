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
   * How often the dispatch sweep looks for queued tickets an agent could take and tickets held by agents
   * who left (docs/org-and-dispatch.md); the longest a ticket can wait behind a race. 0 turns it off.
   */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value))
  @IsInt()
  @Min(0)
  @Max(3600)
  DISPATCH_SWEEP_SECONDS = 15;
}
