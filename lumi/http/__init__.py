"""The HTTP layer: a Starlette app that maps Meilisearch routes onto engine calls.

No engine logic lives here: handlers validate the request, call the engine, and render the
result. One module per resource.
"""
