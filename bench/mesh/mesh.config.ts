// GraphQL Mesh composition for contestant (d): the OpenAPI document as a subgraph, composed by
// `mesh-compose` into a supergraph that `hive-gateway` serves. The upstream URL is only known at
// run time (the bench upstream listens on a free port), so it comes from the environment.
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

const endpoint = process.env.BENCH_UPSTREAM_URL;
if (!endpoint) throw new Error('BENCH_UPSTREAM_URL is not set');

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('Conversations', {
        source: process.env.BENCH_OPENAPI_PATH ?? '../shared/upstream/conversations-v2.openapi.json',
        endpoint,
        // The caller's Basic credentials go upstream as they came, as the facade does.
        operationHeaders: { Authorization: '{context.headers.authorization}' },
      }),
    },
  ],
});
