// graphql-codegen (client preset) runs cleanly on the committed schema.graphql for the tests'
// operations, and renders the @oneOf input as a union a consumer cannot get wrong.
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen.ts';

describe('graphql-codegen', () => {
  it('generates typed documents from schema.graphql, including the @oneOf input', async () => {
    const [target, output] = Object.entries(config.generates)[0]!;
    const files = await generate({ ...config, cwd: new URL('..', import.meta.url).pathname, generates: { [target]: output } }, false);
    const types = (files as Array<{ filename: string; content: string }>).find((file) => file.filename.endsWith('graphql.ts'))?.content ?? '';
    expect(types).toContain(
      'export type CommunicationContentInput =\n  {   text: TextContentInput; transcription?: never; }\n  |  { text?: never;   transcription: TranscriptionContentInput; };',
    );
    expect(types).toMatch(/export type CommunicationsPageQuery = /);
    expect(types).toMatch(/export const CreateDocument = /);
    expect(types).toContain("__typename: 'UnsupportedContent'");
  });
});
