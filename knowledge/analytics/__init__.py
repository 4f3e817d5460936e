"""Conversation analytics from Rasa's event stream (RabbitMQ -> PostgreSQL), for reports."""
