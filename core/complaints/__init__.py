"""Complaints (投诉) and the after-sales registers (补发, 返现, 售后)."""
