"""pytest.ini's warning policy: a deprecation raised from the project's own code fails the test,
a third party's stays quiet.

A warning counts as the project's when it is attributed to one of its modules (core, ui, the
tests) or to `__main__`, the module Streamlit runs Home.py and every page as.
"""

from __future__ import annotations

import warnings

import pytest


@pytest.mark.parametrize(
    "module", ["core.kpi.hourly", "ui.cache", "app_pages", "Home", "tests.core.schedule.test_staffing", "__main__"]
)
@pytest.mark.parametrize("category", [DeprecationWarning, PendingDeprecationWarning, FutureWarning])
def test_a_deprecation_from_the_projects_own_code_is_an_error(module, category):
    with pytest.raises(category):
        warnings.warn_explicit("Series.dt.weekday is deprecated", category, "page.py", 45, module=module)


@pytest.mark.parametrize(
    "module", ["pandas.core.indexes.accessors", "plotly.basedatatypes", "streamlit.runtime", "coreutils", "uix"]
)
def test_a_third_partys_deprecation_is_ignored(module):
    with warnings.catch_warnings(record=True) as seen:
        warnings.warn_explicit("something old", DeprecationWarning, "lib.py", 1, module=module, registry={})
    assert seen == []
