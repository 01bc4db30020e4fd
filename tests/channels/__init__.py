"""Tests of the messaging channels (SMS, Meta, X): webhooks, conversation rules, senders."""
