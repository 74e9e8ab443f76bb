// Tiny subgraph SDLs shared by the supergraph unit tests (two subgraphs that meet through the User entity).
import type { SubgraphSource } from './supergraph-compose.ts';

const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@inaccessible"])';

export const accountsSdl = `${link}
type User @key(fields: "id") {
  id: ID!
  email: String!
  passwordHash: String @inaccessible
}
type Query {
  me: User
}
`;

export const catalogSdl = `${link}
type Product @key(fields: "id") {
  id: ID!
  name: String!
}
type User @key(fields: "id") {
  id: ID!
  favourites: [Product!]!
}
type Query {
  products: [Product!]!
}
type Mutation {
  archiveProduct(id: ID!): Product
}
`;

export function source(name: string, sdl: string, port = 4001): SubgraphSource {
  return { name, url: `http://127.0.0.1:${port}/graphql`, sdl, origin: `${name}.graphql` };
}
