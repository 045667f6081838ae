"""Scheduling: the shift plan (排班), Erlang C staffing, surge plans, handovers, leave and swaps."""
