// npm run compose [-- --config rover.yaml --supergraph schema/supergraph.graphql]
// Composes the subgraphs listed in rover.yaml into schema/supergraph.graphql (committed; the gateway serves it).
import { fileURLToPath } from 'node:url';
import { parseSupergraphArgs, runCompose } from './lib/supergraph-tasks.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const { paths } = parseSupergraphArgs(process.argv.slice(2), root);
const report = runCompose(paths);
for (const line of report.log) console.log(line);
for (const failure of report.failures) console.error(failure);
process.exitCode = report.ok ? 0 : 1;
