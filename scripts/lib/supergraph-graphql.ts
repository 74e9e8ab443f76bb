// The one graphql-js instance for the supergraph scripts. @apollo/federation-internals and
// @graphql-inspector load graphql's CommonJS build, while Vitest resolves a bare `import 'graphql'` in
// source files to its ESM build (index.mjs): two realms, and graphql's instanceof checks then throw
// ("Cannot use GraphQLSchema from another module or realm"). Requiring it pins the CommonJS build in
// both plain Node and Vitest. Type-only imports may still come from 'graphql'.
import { createRequire } from 'node:module';
import type * as GraphQL from 'graphql';

const require = createRequire(import.meta.url);
const graphql = require('graphql') as typeof GraphQL;

export const { Kind, buildSchema, lexicographicSortSchema, parse, printSchema, specifiedRules, validate, visit } = graphql;
export const GraphQLError = graphql.GraphQLError;
export type GraphQLError = GraphQL.GraphQLError;
