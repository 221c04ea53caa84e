// Which operation of a document runs: the one `operationName` names, or the document's only one,
// decided once here and checked again right before execution. An attacker found that a cache
// keyed by the document alone ran a different operation than the one asked for (a cached
// mutation over GET); so whatever the caches hold, a request whose operation cannot be resolved,
// or a mutation that did not come as a POST, never reaches execution (issue 9, item 1).
import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { FacadeError, badUserInput } from '../errors.ts';

/** The operation a request runs, or why there is none (graphql-js's rules, as `getOperationAST` applies them). */
export function selectOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | FacadeError {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (operationName == null) {
    if (operations.length === 1) return operations[0]!;
    return badUserInput('The document has several operations: name the one to run in `operationName`.', { argument: 'operationName' });
  }
  const named = operations.find((operation) => operation.name?.value === operationName);
  return named ?? badUserInput(`The document has no operation named "${operationName.slice(0, 100)}".`, { argument: 'operationName' });
}

/** The selected operation with the fragments it may spread: nothing else of the document can run from it. */
export function operationDocument(document: DocumentNode, operation: OperationDefinitionNode): DocumentNode {
  const fragments = document.definitions.filter(
    (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION,
  );
  return { ...document, definitions: [operation, ...fragments] };
}

/** A cache key for "this operation of this document text": a different operation is a different key. */
export function operationKey(source: string, operation: OperationDefinitionNode): string {
  return `${operation.name?.value ?? ''}\u0000${source}`;
}

function methodOf(contextValue: unknown): string | undefined {
  return (contextValue as { request?: Request } | undefined)?.request?.method;
}

/**
 * Runs first among the execute hooks: graphql-yoga refuses a GET mutation when it parses the
 * request, for the operation it reads from the request; this checks the same at execution, so
 * no cache or later plugin can turn a GET into a mutation, and nothing is sent upstream.
 */
export function useOperationGuard(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = selectOperation(args.document, args.operationName);
      if (operation instanceof FacadeError) {
        setResultAndStopExecution({ errors: [operation] });
        return;
      }
      // No request at all (not an HTTP call) is refused too: a mutation needs a POST it can be traced to.
      if (operation.operation !== 'query' && methodOf(args.contextValue) !== 'POST') {
        setResultAndStopExecution({
          errors: [
            new FacadeError('BAD_USER_INPUT', `A ${operation.operation} runs only from a POST request.`, {
              extensions: { http: { status: 405, headers: { Allow: 'POST' } } },
            }),
          ],
        });
      }
    },
    // A subscription may come as a GET (Server-Sent Events; it writes nothing); only a subscription is subscribed to.
    onSubscribe({ args, setResultAndStopExecution }) {
      const operation = selectOperation(args.document, args.operationName);
      if (operation instanceof FacadeError) setResultAndStopExecution({ errors: [operation] });
      else if (operation.operation !== 'subscription')
        setResultAndStopExecution({ errors: [badUserInput(`A ${operation.operation} is not a subscription.`)] });
    },
  };
}
