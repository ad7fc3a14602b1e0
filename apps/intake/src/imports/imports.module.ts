import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CustomersModule } from '../customers/customers.module';
import { OrdersModule } from '../orders/orders.module';
import { SettingsModule } from '../settings/settings.module';
import { CustomerImportWriter } from './customer-import.writer';
import { ImportBatchWriter } from './import-batch.writer';
import { ImportRepository } from './import.repository';
import { ImportRunner } from './import.runner';
import { ImportService } from './import.service';
import { ImportsHandler } from './imports.handler';
import { OrderImportWriter } from './order-import.writer';
import { PreparePoolService } from './prepare-pool.service';

/** Bulk imports of customers and orders (decisions 0010, 0012). */
@Module({
  imports: [SettingsModule, AuditModule, CustomersModule, OrdersModule],
  controllers: [ImportsHandler],
  providers: [
    ImportRepository,
    ImportService,
    CustomerImportWriter,
    OrderImportWriter,
    PreparePoolService,
    ImportBatchWriter,
    ImportRunner,
  ],
})
export class ImportsModule {}
