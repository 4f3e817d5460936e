"""Rasa input/output channels (bot env: rasa 3.6, sanic 21, pydantic 1). One module per platform."""
