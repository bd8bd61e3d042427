"""Shopify's GraphQL Admin API limits, as documented, for the fake (shopify.py).

Cost (shopify.dev, "GraphQL Admin API rate limits"): a scalar or enum field costs 0, an object 1,
a connection 2 plus `first` (or `last`) times the cost of one of its nodes, a list of objects its
length times the cost of one (the length of `ids` when it has one, else 1), a mutation 10. The
requested cost is computed from the document before it runs; the actual cost from what came back
(a connection that returned fewer nodes, an object that was null), and the bucket is refunded
the difference.

Input (shopify.dev, "Shopify API limits"): an input argument that is an array takes at most 250
items; more and the whole request is refused with MAX_INPUT_SIZE_EXCEEDED.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    value_from_ast_untyped,
)

MUTATION_COST = 10
MAX_INPUT_ITEMS = 250


class _Walk:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict):
        self.schema, self.variables = schema, variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def selection(self, parent, selection_set: SelectionSetNode | None, data) -> int:
        if selection_set is None:
            return 0
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(parent, node, data)
            elif isinstance(node, InlineFragmentNode):
                kind = self._type(node.type_condition) or parent
                total += self.selection(kind, node.selection_set, data)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments[node.name.value]
                kind = self._type(fragment.type_condition) or parent
                total += self.selection(kind, fragment.selection_set, data)
        return total

    def field(self, parent, node: FieldNode, data) -> int:
        name = node.name.value
        fields = getattr(parent, "fields", {})
        if name.startswith("__") or name not in fields:
            return 0
        definition = fields[name]
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        key = node.alias.value if node.alias else name
        value = data.get(key) if isinstance(data, dict) else None
        measured = isinstance(data, dict)  # actual cost: the data came back
        arguments = self.arguments(node)
        if named.name.endswith("Connection"):
            per_node = self._per_node(named, node.selection_set)
            count = arguments.get("first") or arguments.get("last") or 0
            if measured:
                count = len((value or {}).get("nodes") or (value or {}).get("edges") or [])
            return 2 + count * per_node
        if is_list_type(get_nullable_type(definition.type)):
            ids = arguments.get("ids")
            count = len(ids) if isinstance(ids, list) else 1
            one = 1 + self.selection(named, node.selection_set, None)
            if measured:
                count = len([v for v in value or [] if v is not None])
            return count * one
        if measured and value is None:
            return 1
        return 1 + self.selection(named, node.selection_set, value if measured else None)

    def arguments(self, node) -> dict:
        return {
            arg.name.value: value_from_ast_untyped(arg.value, self.variables)
            for arg in node.arguments or ()
        }

    def _per_node(self, connection, selection_set: SelectionSetNode | None) -> int:
        node_type = connection.fields["nodes"].type if "nodes" in connection.fields else None
        node_type = get_named_type(node_type) if node_type is not None else None
        cost = 0
        for field in selection_set.selections if selection_set else ():
            if not isinstance(field, FieldNode):
                continue
            if field.name.value == "nodes" and node_type is not None:
                cost = max(cost, 1 + self.selection(node_type, field.selection_set, None))
            elif field.name.value == "edges" and node_type is not None:
                for sub in field.selection_set.selections if field.selection_set else ():
                    if isinstance(sub, FieldNode) and sub.name.value == "node":
                        cost = max(cost, 1 + self.selection(node_type, sub.selection_set, None))
        return cost

    def _type(self, condition):
        return self.schema.get_type(condition.name.value) if condition else None


def operation(document: DocumentNode) -> OperationDefinitionNode:
    return next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))


def root_type(schema: GraphQLSchema, op: OperationDefinitionNode) -> GraphQLObjectType:
    return schema.mutation_type if op.operation == OperationType.MUTATION else schema.query_type


def query_cost(schema: GraphQLSchema, document: DocumentNode, variables: dict, data=None) -> int:
    """The requested cost (`data` None) or the actual cost of what came back."""
    op = operation(document)
    if op.operation == OperationType.MUTATION:
        return MUTATION_COST * len(op.selection_set.selections)
    walk = _Walk(schema, document, variables)
    return walk.selection(root_type(schema, op), op.selection_set, data if data else None)


def oversized_inputs(document: DocumentNode, variables: dict) -> list[dict]:
    """Shopify's MAX_INPUT_SIZE_EXCEEDED errors for every input array over 250 items."""
    op = operation(document)
    errors: list[dict] = []
    for field in op.selection_set.selections:
        if not isinstance(field, FieldNode):
            continue
        for argument in field.arguments or ():
            value = value_from_ast_untyped(argument.value, variables)
            for path, size in _lists(value, [field.name.value, argument.name.value]):
                if size > MAX_INPUT_ITEMS:
                    errors.append(
                        {
                            "message": f"The input array size of {size} is greater than the "
                            f"maximum allowed of {MAX_INPUT_ITEMS}.",
                            "locations": [
                                {
                                    "line": field.loc.start_token.line,
                                    "column": field.loc.start_token.column,
                                }
                            ]
                            if field.loc
                            else [],
                            "path": path,
                            "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"},
                        }
                    )
    return errors


def _lists(value, path):
    if isinstance(value, list):
        yield path, len(value)
        for item in value:
            yield from _lists(item, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _lists(item, [*path, key])
