import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv } from '@closeloop/runtime';

export class RoutingEnv extends CommonEnv {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value))
  @IsInt()
  @Min(0)
  @Max(65535)
  override HTTP_PORT = 3002;
}
