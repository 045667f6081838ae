"""The app never shows users a traceback or the developer toolbar."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT


def test_streamlit_config_hides_error_details_and_toolbar():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"  # False would still show the stack trace
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["browser"]["gatherUsageStats"] is False


def test_no_pages_folder_next_to_the_entry_file():
    """A `pages/` folder makes Streamlit run a page without Home.py's login on a fresh server."""
    assert not (ROOT / "pages").exists()
