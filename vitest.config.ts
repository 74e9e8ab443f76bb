import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Node (type stripping) loads graphql's CommonJS build everywhere; Vite would pick its ESM build for our sources while
// Apollo's CommonJS code keeps the CommonJS one, and graphql refuses schemas from "another realm". One build for all.
const graphqlCjs = fileURLToPath(new URL('./node_modules/graphql/index.js', import.meta.url));

// Three suites: unit (*.spec.ts, no I/O), integration (*.int.spec.ts, real PostgreSQL/Redis/Kafka),
// e2e (tests/e2e/*.e2e.ts, the whole stack through the gateway; started once by tests/e2e/global-setup.ts).
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlCjs }] },
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{common,gateway,subgraphs/*}/{src,test}/**/*.spec.ts', 'scripts/**/*.spec.ts', 'tests/bench/**/*.spec.ts'],
          exclude: ['**/*.int.spec.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'int',
          include: ['{common,gateway,subgraphs/*,infra}/**/*.int.spec.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.e2e.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
