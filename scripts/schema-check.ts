// npm run schema:check [-- --base <git rev> --config … --supergraph … --operations … --not-yet-served …]
// Fails on composition errors, a stale schema/supergraph.graphql, or client operations that do not
// validate (except those in schema/operations/not-yet-served.json); reports API changes without failing.
import { fileURLToPath } from 'node:url';
import { parseSupergraphArgs, runSchemaCheck } from './lib/supergraph-tasks.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const { paths, baseRev } = parseSupergraphArgs(process.argv.slice(2), root);
const report = await runSchemaCheck(paths, { baseRev });
for (const line of report.log) console.log(line);
if (!report.ok) {
  console.error(`schema check FAILED (${report.failures.length}):`);
  for (const failure of report.failures) console.error(`- ${failure}`);
}
process.exitCode = report.ok ? 0 : 1;
