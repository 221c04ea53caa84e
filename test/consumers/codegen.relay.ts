// graphql-codegen as a Relay app that also uses codegen would configure it: TypeScript types for the
// Relay documents in test/consumers/relay/ (which test/consumers/relay.test.ts also compiles with
// relay-compiler), with the same options as the project's codegen.ts.
//
// Relay's directives come from a schema extension (relay-directives.graphql). Two validation rules
// are skipped because Relay's fragment variables break them by design: `@argumentDefinitions(first:
// { type: "Int" })` declares variables as directive arguments whose names are the fragment's own
// (KnownArgumentNamesRule), and a query spreading the fragment does not declare them
// (NoUndefinedVariablesRule). Every other rule still runs.
//
// The plugin is `typescript-operations` (which emits the input and enum types it needs) rather than the client preset: a Relay
// app's `graphql` tag belongs to Relay, so the preset's `graphql()` function has no use there, and
// the preset (6.2) does not pass `skipDocumentsValidation` on to the types it generates.
// `npx graphql-codegen --config test/consumers/codegen.relay.ts` writes to the gitignored artifacts/.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: ['schema.graphql', 'test/consumers/relay/relay-directives.graphql'],
  documents: ['test/consumers/relay/*.tsx'],
  ignoreNoDocuments: false,
  generates: {
    'artifacts/codegen-relay/graphql.ts': {
      plugins: ['typescript-operations'],
      config: {
        skipDocumentsValidation: { ignoreRules: ['KnownArgumentNamesRule', 'NoUndefinedVariablesRule'] },
        useTypeImports: true,
        dedupeOperationSuffix: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
