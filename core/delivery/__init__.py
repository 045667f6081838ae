"""Delivery: the firm's alerts and the merchants' reports sent where people are (DingTalk, WeCom and
Feishu group robots, email), on a schedule run by the worker process (`worker.py`), each sending
kept in an outbox so nothing goes twice and every failure is visible."""
