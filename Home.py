"""Entry point: page config, login, and the navigation built for the user's role."""

from __future__ import annotations

import logging
import os

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from core.accounts import users
from core.bootstrap import open_store
from core.kernel import i18n
from core.kernel.errors import NotFound
from core.kernel.permissions import PermissionDenied
from ui import auth, context, nav

st.set_page_config(page_title="客服运营平台 · Service Ops", page_icon=":material/support_agent:", layout="wide")


db = open_store()
first_admin_password = users.ensure_first_admin(db)
if first_admin_password:
    print(f"[first run] admin account created: username=admin password={first_admin_password}", flush=True)

lang = st.session_state.get("lang", "zh")
actor, authenticator = auth.current_actor(db, lang)

if actor is None:
    with st.sidebar:
        choice = st.radio(
            "Language / 语言",
            i18n.LANGUAGES,
            format_func=i18n.language_name,
            index=i18n.LANGUAGES.index(lang),
            horizontal=True,
            key="login_lang",
        )
        if choice != lang:
            st.session_state["lang"] = choice
            st.rerun()
    st.stop()

lang = actor.language
st.session_state["lang"] = lang
ctx = context.Context(db=db, actor=actor, lang=lang)
context.set_current(ctx)

with st.sidebar:
    st.markdown(f"**{actor.display_name}** · {ctx.t('role.' + actor.role)}")
    choice = st.radio(
        ctx.t("account.language"),
        i18n.LANGUAGES,
        format_func=i18n.language_name,
        index=i18n.LANGUAGES.index(lang),
        horizontal=True,
        key="user_lang",
    )
    if choice != lang:
        users.set_language(db, actor, choice)
        st.session_state["lang"] = choice
        st.rerun()
    auth.logout_button(authenticator, ctx.t("logout"))

navigation = st.navigation(nav.pages_for(actor.role, ctx.t), expanded=True)
try:
    navigation.run()
except ScriptControlException:
    raise  # st.stop / st.rerun travel as exceptions
except (PermissionDenied, NotFound):
    st.error(ctx.t("msg.not_found"))
except Exception:  # the last guard: a friendly message for the user, the traceback for the log
    if os.environ.get("APP_RAISE_ERRORS"):
        raise  # tests set this, so that a page bug fails them instead of hiding behind the message
    logging.getLogger("ops_console").exception("page failed for user %s", actor.username)
    st.error(ctx.t("msg.unexpected_error"))
