// `nodes(ids:)`, defined here rather than by the Relay plugin: the plugin decodes every id before the
// resolver runs, so one malformed id failed the whole field, and with it (`nodes` is non-null) the
// whole request. Here each id is decoded on its own: a malformed one is null with a BAD_USER_INPUT
// error at ["nodes", i], and the others still resolve, through the plugin's resolveNodes (one
// upstream fetch per distinct object, as for `node(id:)`).
import { resolveNodes } from '@pothos/plugin-relay';
import { badUserInput } from '../errors.ts';
import { builder, MAX_NODE_IDS } from './builder.ts';
import { decodeNodeId } from './node-id.ts';

type Decoded = ReturnType<typeof decodeNodeId>;

builder.queryField('nodes', (t) =>
  t.field({
    description: `Fetches objects by global id (at most ${MAX_NODE_IDS}), in the order given; null for each that does not exist, and null with a BAD_USER_INPUT error at its index for each malformed id.`,
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    args: { ids: t.arg.idList({ required: true }) },
    resolve: async (_root, { ids }, context, info) => {
      if (ids.length > MAX_NODE_IDS) throw badUserInput(`\`nodes\` takes at most ${MAX_NODE_IDS} ids.`, { argument: 'ids' });
      const decoded = ids.map((id): Decoded | null => {
        try {
          return decodeNodeId(String(id));
        } catch {
          return null;
        }
      });
      // resolveNodes answers null, without a fetch, for a null id.
      const nodes = await resolveNodes(builder, context, info, decoded);
      // An Error in a list is that item's error: null there, with its path, the rest of the list intact.
      return nodes.map((node, index) =>
        decoded[index] === null ? badUserInput('Invalid global id.', { argument: 'ids', index }) : node,
      ) as never;
    },
  }),
);
