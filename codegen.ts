// graphql-codegen, configured as a consumer of this API would: typed documents (client preset)
// generated from the committed schema.graphql for the operations the tests send (the
// `/* GraphQL */` documents in test/). `npm test` runs it, then type-checks the output.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/**/*.ts', '!test/generated/**'],
  ignoreNoDocuments: false,
  pluckConfig: { gqlMagicComment: 'GraphQL' },
  generates: {
    'test/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        emitLegacyCommonJSImports: false,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
