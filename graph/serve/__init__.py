"""HTTP and GraphQL: a starlette app that maps requests to ingesters and store queries."""
