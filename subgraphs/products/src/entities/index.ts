import { CategoryEntity } from './category.entity.ts';
import { ProductEntity } from './product.entity.ts';

export const productsEntities = [CategoryEntity, ProductEntity];
