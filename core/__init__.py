"""Domain core of the service-operations console: pure Python, never imports streamlit."""
