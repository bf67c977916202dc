"""Conversational search: chat workspaces and the completion loop that lets a language model
search the instance's indexes. Free of HTTP: the routes live in ``lumi.http.chats``."""
