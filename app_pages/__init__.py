"""The pages: one file a page, run by Streamlit as scripts (read input, call core, render)."""
