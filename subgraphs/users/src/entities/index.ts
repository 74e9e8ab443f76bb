import { RefreshTokenEntity } from './refresh-token.entity.ts';
import { SigningKeyEntity } from './signing-key.entity.ts';
import { UserEntity } from './user.entity.ts';

export const usersEntities = [UserEntity, RefreshTokenEntity, SigningKeyEntity];
