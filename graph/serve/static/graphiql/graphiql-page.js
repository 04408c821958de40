// GraphiQL on this server's /graphql. Every asset is served by lineagemesh itself: the page asks
// no other host. With `read: token`, put {"Authorization": "Bearer <token>"} in the Headers tab
// (kept in this browser). The query is kept as ?q= (a GET with ?query= would run it instead).

const EXAMPLE = `# lineagemesh: lineage, impact and the mesh over GraphQL. Ctrl-Enter runs the query.
# The explorer at / draws the same answers as a graph.
{
  searchConnection(text: "orders", first: 5) {
    totalCount
    nodes { id kind namespace name dataset domain }
  }
  lineage(nodeId: "dataset:food_delivery:public.orders_7_days", direction: UPSTREAM, depth: 1) {
    nodes { id kind name domain upstreamCount downstreamCount }
    edges { source target kind }
  }
}
`;

const params = new URLSearchParams(location.search);
const url = location.origin + location.pathname;
const subscriptionUrl = url.replace(/^http/, "ws");
const fetcher = GraphiQL.createFetcher({ url, subscriptionUrl });

function remember(key, value) {
  if (value) params.set(key, value); else params.delete(key);
  history.replaceState(null, "", "?" + params.toString());
}

function App() {
  return React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: EXAMPLE,
    query: params.get("q") || undefined,
    variables: params.get("variables") || undefined,
    onEditQuery: (text) => remember("q", text),
    onEditVariables: (text) => remember("variables", text),
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
  });
}

ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(App));
