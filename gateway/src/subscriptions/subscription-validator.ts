import { createRequire } from 'node:module';
import type * as GraphQL from 'graphql';
import type { DocumentNode, GraphQLError, GraphQLSchema, ValidationRule } from 'graphql';

/** Checks a client's document before anything subscribes: the errors to refuse it with (none when it is valid). */
export type SubscriptionValidator = (document: DocumentNode) => readonly GraphQLError[];

// The API schema comes from Apollo Gateway, which loads graphql's CommonJS build; graphql refuses a schema from another
// build ("another module or realm"). Node loads that build for every `import 'graphql'` anyway, Vite-based test runners
// give our sources the ESM one (see graphql-ws-server.ts): validation uses the build the schema comes from.
const { GraphQLError: SchemaGraphQLError, specifiedRules, validate } = createRequire(import.meta.url)('graphql') as typeof GraphQL;

// What Apollo removes from validation messages when schema details are hidden (production).
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/**
 * Validation as Apollo does it for HTTP operations, for subscription documents (which Apollo never sees): graphql's
 * rules plus the gateway's limits against the API schema, errors coded GRAPHQL_VALIDATION_FAILED.
 */
export function schemaValidator(
  schema: () => GraphQLSchema | undefined,
  rules: readonly ValidationRule[],
  production: boolean,
): SubscriptionValidator {
  return (document) => {
    const current = schema();
    if (!current) return [new SchemaGraphQLError('The gateway has no schema loaded yet.', { extensions: { code: 'SERVICE_UNAVAILABLE' } })];
    return validate(current, document, [...specifiedRules, ...rules]).map(
      (error) =>
        new SchemaGraphQLError(production ? error.message.replace(SUGGESTION, '') : error.message, {
          extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
        }),
    );
  };
}
