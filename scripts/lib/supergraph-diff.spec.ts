import { describe, expect, it } from 'vitest';
import { diffApiSchemas } from './supergraph-diff.ts';
import { buildSchema } from './supergraph-graphql.ts';

describe('diffApiSchemas', () => {
  it('classifies removed fields as breaking, added enum values as dangerous and added fields as safe', async () => {
    const before = buildSchema('enum Role { CUSTOMER } type User { id: ID! email: String! role: Role } type Query { me: User }');
    const after = buildSchema('enum Role { CUSTOMER ADMIN } type User { id: ID! role: Role name: String } type Query { me: User }');
    const changes = await diffApiSchemas(before, after);
    expect(changes.breaking).toEqual([expect.stringMatching(/'email' was removed from object type 'User'/)]);
    expect(changes.dangerous).toEqual([expect.stringMatching(/ADMIN.*added to enum.*Role/)]);
    expect(changes.safe).toEqual([expect.stringMatching(/'name' was added to object type 'User'/)]);
  });

  it('reports nothing for identical schemas', async () => {
    const sdl = 'type Query { me: String }';
    expect(await diffApiSchemas(buildSchema(sdl), buildSchema(sdl))).toEqual({ breaking: [], dangerous: [], safe: [] });
  });
});
