// `npm run schema`: writes schema.graphql from the code. The test suite fails when the committed
// file differs, so the schema consumers generate their types from never drifts from the server.
import { writeFileSync } from 'node:fs';
import { printSortedSchema } from './index.ts';

const target = new URL('../../schema.graphql', import.meta.url);
writeFileSync(target, printSortedSchema());
console.log(`wrote ${target.pathname}`);
