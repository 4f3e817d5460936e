"""Helpers shared by the messaging connectors (WhatsApp, Messenger, email).

Bot-env code: imports only what the Rasa environment has (stdlib, aiohttp). Nothing happens at
import time; stores and sessions are created on first use.
"""
