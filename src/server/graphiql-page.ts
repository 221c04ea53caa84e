// The GraphiQL page the facade serves: yoga's own (assets inlined, no CDN) with the options every
// deployment wants and one CSS fix.
//
// Subscriptions go over Server-Sent Events (a GET with `Accept: text/event-stream` to /graphql),
// not WebSocket: that way they carry the headers editor's `Authorization` like every other request
// (a browser cannot set headers on a WebSocket upgrade, and yoga's GraphiQL would send only fixed
// `connectionParams`), and pass the same CORS and access checks.
//
// The CSS fix: GraphiQL's tabs are framer-motion Reorder items, and at load every tab but the last
// keeps a leftover drag offset (measured in Chromium: translateX(585px) on the first of five).
// GraphiQL hides it only while a tab has no focus (`.graphiql-tab:not(:focus-within)`), so pressing
// a tab focuses it, it jumps by that offset under the pointer, and the release lands beside it:
// the first click on most tabs selected nothing (3 of 4 in one measured session). Never drawing the
// offset keeps a tab under the pointer; dragging still reorders the tabs (they change places as the
// pointer passes a neighbour), the dragged tab just does not follow the pointer between places.
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

const TAB_OFFSET_FIX = '<style>.graphiql-tab { transform: none !important; }</style>';

/** GraphiQL's options for this facade, with `options` (title, tabs…) on top. */
export function graphiqlOptions(options: GraphiQLOptions | undefined): GraphiQLOptions {
  return { title: 'conversations-graphql', subscriptionsProtocol: 'SSE', ...options };
}

/** yoga's GraphiQL page with the tab fix (a style sheet after GraphiQL's own, so it wins). */
export function renderGraphiQLPage(options: GraphiQLOptions): string {
  const page = renderGraphiQL(options);
  const headEnd = page.indexOf('</head>'); // the first: the inlined script may spell it too
  if (headEnd < 0) throw new Error('renderGraphiQL returned a page without </head>');
  return page.slice(0, headEnd) + TAB_OFFSET_FIX + page.slice(headEnd);
}
