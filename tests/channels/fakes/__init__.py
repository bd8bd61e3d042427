"""Local fakes of the storefronts the IMS talks to, written for this project: real HTTP servers on
127.0.0.1 that answer as the shops' documentation says they do (shapes, limits, error codes), so
the connectors are tested over the wire without mocks. shopify.py: Shopify's GraphQL Admin API
(graphql_cost.py: its query cost and input limits)."""
