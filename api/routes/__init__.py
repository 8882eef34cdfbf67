"""The HTTP routes, one module a resource: questions, documents, operations."""
