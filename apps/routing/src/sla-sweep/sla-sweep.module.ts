import { Module } from '@nestjs/common';
import { OrgModule } from '../org/org.module';
import { SlaModule } from '../sla/sla.module';
import { TicketsModule } from '../tickets/tickets.module';
import { SlaAlertWriter } from './sla-alert.writer';
import { SlaSweepRepository } from './sla-sweep.repository';
import { SlaSweepService } from './sla-sweep.service';

/** The SLA sweep, which moves tickets through warnings, breaches, escalations and automatic closing; above tickets. */
@Module({
  imports: [OrgModule, SlaModule, TicketsModule],
  providers: [SlaSweepRepository, SlaAlertWriter, SlaSweepService],
})
export class SlaSweepModule {}
