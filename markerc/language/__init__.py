"""The language: grammar, syntax tree, variables, typing and the marker algebra."""
