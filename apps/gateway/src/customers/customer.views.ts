import { ApiProperty } from '@nestjs/swagger';

class ContactDoc {
  @ApiProperty({ enum: ['phone', 'email'] }) kind!: string;
  @ApiProperty({ example: '138****8000', description: 'masked unless unmasked with a reason' })
  value!: string;
}

class ExternalIdDoc {
  @ApiProperty({ example: 'default' }) source!: string;
  @ApiProperty() externalId!: string;
}

class ConsentDoc {
  @ApiProperty({ enum: ['callbacks', 'marketing', 'partner_sharing'] }) purpose!: string;
  @ApiProperty() granted!: boolean;
  @ApiProperty({ example: 'phone' }) channel!: string;
  @ApiProperty({ format: 'date-time' }) givenAt!: string;
}

class CustomerStatsDoc {
  @ApiProperty() ordersCount!: number;
  @ApiProperty({ description: 'fen, orders of the last 12 months' }) annualSpendFen!: number;
  @ApiProperty({ description: 'fen' }) totalSpendFen!: number;
  @ApiProperty({ nullable: true, format: 'date-time' }) firstOrderAt!: string | null;
  @ApiProperty({ nullable: true, format: 'date-time' }) lastOrderAt!: string | null;
  @ApiProperty() ticketsCount!: number;
  @ApiProperty() complaintsCount!: number;
  @ApiProperty() objectionsCount!: number;
  @ApiProperty({ nullable: true, format: 'date-time' }) lastObjectionAt!: string | null;
  @ApiProperty({ nullable: true, description: '0-100' }) satisfaction!: number | null;
  @ApiProperty() callbacksCount!: number;
  @ApiProperty({ nullable: true, format: 'date-time' }) lastInteractionAt!: string | null;
  @ApiProperty({ format: 'date-time' }) cooperationSince!: string;
}

/** OpenAPI description of CustomerView (the contract type lives in libs/contracts). */
export class CustomerViewDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['person', 'company'] }) kind!: string;
  @ApiProperty({ nullable: true, example: '王**' }) name!: string | null;
  @ApiProperty({ type: [ContactDoc] }) contacts!: ContactDoc[];
  @ApiProperty({ type: [ExternalIdDoc] }) externalIds!: ExternalIdDoc[];
  @ApiProperty({ nullable: true, example: '110***********123X' }) idNumber!: string | null;
  @ApiProperty({ nullable: true }) storeId!: string | null;
  @ApiProperty({ nullable: true, format: 'uuid' }) accountManagerId!: string | null;
  @ApiProperty({ type: [ConsentDoc] }) consents!: ConsentDoc[];
  @ApiProperty({ nullable: true, enum: ['new', 'potential', 'high_value', 'churn_risk'] }) segment!:
    string | null;
  @ApiProperty({ type: CustomerStatsDoc }) stats!: CustomerStatsDoc;
  @ApiProperty({ description: 'true when name, contacts and ID number are in clear (an audited read)' })
  unmasked!: boolean;
  @ApiProperty({ description: 'the ETag is "v<version>"' }) version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class CustomerPageDoc {
  @ApiProperty({ type: [CustomerViewDoc] }) items!: CustomerViewDoc[];
  @ApiProperty({ nullable: true, description: 'pass as cursor for the next page' })
  nextCursor!: string | null;
}

export class CustomerErasedDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) erasedAt!: string;
}

export class DuplicateCandidateDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ isArray: true, enum: ['same_name_and_store', 'same_id_number', 'same_external_id'] })
  reasons!: string[];
}

export class MergedDoc {
  @ApiProperty({ format: 'uuid' }) survivorId!: string;
  @ApiProperty({ format: 'uuid' }) mergedId!: string;
  @ApiProperty({ format: 'date-time' }) mergedAt!: string;
}
