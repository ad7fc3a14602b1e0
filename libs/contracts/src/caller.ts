import { IsArray, IsIn, IsString, IsUUID } from 'class-validator';

export const ROLES = ['admin', 'supervisor', 'agent', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who is asking. The gateway authenticates and attaches this to every request message; each service
 * authorizes against it for every object it returns or changes (architecture: "the gateway authenticates;
 * services authorize").
 */
export class Caller {
  @IsUUID()
  userId!: string;

  @IsArray()
  @IsIn(ROLES, { each: true })
  roles!: Role[];

  @IsArray()
  @IsString({ each: true })
  departments!: string[];

  @IsArray()
  @IsString({ each: true })
  stores!: string[];
}

export function hasRole(caller: Caller, ...roles: Role[]): boolean {
  return caller.roles.some((role) => roles.includes(role));
}
