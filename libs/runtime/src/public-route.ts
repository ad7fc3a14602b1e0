import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'closeloop:public';

/** The route needs no bearer token (health, token issue, public pages). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
