"""Billing: price lists, quotes, contracts and amendments, monthly invoices, payments."""
