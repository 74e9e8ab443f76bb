import { CatalogProductEntity } from './catalog-product.entity.ts';
import { OrderEntity, OrderLineEntity, OrderStatusChangeEntity } from './order.entity.ts';

export const ordersEntities = [CatalogProductEntity, OrderEntity, OrderLineEntity, OrderStatusChangeEntity];
