import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { ORG_ID_MESSAGE, ORG_ID_PATTERN } from '../org';
import { NOTE_MAX, REASON_MIN } from './ticket.dto';

/** `POST /tickets/{ticketNo}/reassign` (supervisor, admin; If-Match). */
export class ReassignTicketDto {
  @ApiProperty({
    example: 'finance',
    description: 'the department that takes the ticket (it may be the same)',
  })
  @Matches(ORG_ID_PATTERN, { message: `department ${ORG_ID_MESSAGE}` })
  department!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      "an agent of that department; absent: the department's strategy picks one or it waits in its queue",
  })
  @IsOptional()
  @IsUUID()
  assigneeId?: string;

  @ApiProperty({ minLength: REASON_MIN, maxLength: NOTE_MAX, description: 'why, for the ticket history' })
  @IsString()
  @Length(REASON_MIN, NOTE_MAX)
  reason!: string;
}

/** `POST /tickets/{ticketNo}/collaborations` (R3: pull in another department with its own task). */
export class RequestCollaborationDto {
  @ApiProperty({ example: 'finance', description: 'the collaborating department' })
  @Matches(ORG_ID_PATTERN, { message: `department ${ORG_ID_MESSAGE}` })
  department!: string;

  @ApiProperty({ minLength: 1, maxLength: NOTE_MAX, example: '核对退款金额并原路退回' })
  @IsString()
  @Length(1, NOTE_MAX)
  task!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: "who in that department owns it; absent: its supervisors' to give",
  })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiProperty({ format: 'date-time', description: 'the deadline (in the future)' })
  @IsISO8601({ strict: true })
  dueAt!: string;
}

/** `POST /tickets/{ticketNo}/collaborations/{id}/complete`. */
export class CompleteCollaborationDto {
  @ApiProperty({ minLength: 1, maxLength: NOTE_MAX, description: 'what was done, for the ticket history' })
  @IsString()
  @Length(1, NOTE_MAX)
  outcome!: string;
}

/** `GET /workload` (supervisor, admin, analyst): one department, or every one the caller may see. */
export class WorkloadQuery {
  @ApiPropertyOptional({ example: 'finance' })
  @IsOptional()
  @Matches(ORG_ID_PATTERN, { message: `department ${ORG_ID_MESSAGE}` })
  department?: string;
}
