"""Streamlit glue shared by several pages: the run's context, login, and small widgets."""
