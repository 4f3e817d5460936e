"""rasa_sdk custom actions: thin adapters, one action per module.

The action server (`python -m rasa_sdk --actions actions`) imports every module in this package.
"""
