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

/** OpenAPI description of CustomerView (the contract type lives in libs/contracts). */
export class CustomerViewDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['person', 'company'] }) kind!: string;
  @ApiProperty({ nullable: true, example: '王**' }) name!: string | null;
  @ApiProperty({ type: [ContactDoc] }) contacts!: ContactDoc[];
  @ApiProperty({ type: [ExternalIdDoc] }) externalIds!: ExternalIdDoc[];
  @ApiProperty({ description: 'true when name and contacts are in clear (an audited read)' })
  unmasked!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
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
