"""Custom Rasa NLU components (bot env), referenced by module path from config.yml."""
