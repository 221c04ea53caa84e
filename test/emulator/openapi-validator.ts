// Response schemas of an OpenAPI document, compiled with Ajv, for the emulator's contract tests
// (openapi-contract.test.ts for the Conversations document, configurations.test.ts for the full one).
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; its default export arrives wrapped when imported from ESM.
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/** Response schemas by JSON pointer into the document, compiled once. */
export function makeValidator(doc: any) {
  const ajv = new Ajv({ allErrors: true });
  addFormats(ajv);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  // OpenAPI keys that are not JSON Schema keywords (Ajv handles `nullable` itself).
  ajv.addVocabulary(['example', 'x-twilio', 'openapi', 'servers', 'info', 'paths', 'components', 'security', 'tags']);
  ajv.addSchema(doc, 'openapi');
  const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

  return (template: string, method: string, status: number): { validate: ValidateFunction; documented: boolean } => {
    const operation = doc.paths[template]?.[method.toLowerCase()];
    if (!operation) throw new Error(`no operation ${method} ${template} in the document`);
    let pointer = `#/paths/${escapePointer(template)}/${method.toLowerCase()}/responses/${status}`;
    let response = operation.responses[String(status)];
    const documented = response !== undefined;
    if (!documented) {
      // Statuses the document does not list for this operation (401 everywhere, 405, the 200 of an upsert)
      // are checked against the schema the document gives for the same kind of answer.
      const stand = status === 200 ? '201' : null;
      response = stand ? operation.responses[stand] : doc.components.responses.BadRequest;
      pointer = stand
        ? `#/paths/${escapePointer(template)}/${method.toLowerCase()}/responses/${stand}`
        : '#/components/responses/BadRequest';
    }
    if (response.$ref) pointer = response.$ref;
    const validate = ajv.getSchema(`openapi${pointer}/content/application~1json/schema`);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    return { validate, documented };
  };
}
