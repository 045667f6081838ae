"""Push delivery (admin, managers): the channels that carry the daily alerts and the weekly merchant
reports to group robots and mail, a test message, and the outbox of every sending."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.delivery import channels, outbox
from core.delivery.transport import smtp_settings
from core.kernel.errors import ValidationError
from core.projects import merchants
from ui import context
from ui.widgets import download_xlsx, flash, save_and_flash, show_flash, show_validation

PAGE = "delivery"
ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("delivery.title"))
st.caption(t("delivery.intro"))
show_flash(PAGE)

mail_server = smtp_settings()
if mail_server is None:
    st.info(t("delivery.smtp_missing"), icon=":material/mail:")
else:
    st.caption(
        t(
            "delivery.smtp_ready",
            host=mail_server.host,
            port=mail_server.port,
            security=mail_server.security,
            sender=mail_server.sender,
        )
    )

projects = {p["id"]: f"{p['merchant_name']} · {p['name']}" for p in merchants.list_projects(db, actor)}
listed = channels.list_channels(db, actor)


def project_label(project_id: int | None) -> str:
    return projects.get(project_id, "") if project_id else t("delivery.all_projects")


def channel_form(key: str, before: dict | None) -> dict | None:
    """The fields of a channel; the data when submitted, else None."""
    before = before or {}
    with st.form(key, clear_on_submit=before == {}):
        c1, c2 = st.columns(2)
        name = c1.text_input(
            t("field.channel.name"), value=before.get("name", ""), max_chars=channels.MAX_NAME, key=f"{key}.name"
        )
        kinds = list(channels.KINDS)
        kind = c2.selectbox(
            t("field.channel.kind"),
            kinds,
            index=kinds.index(before["kind"]) if before.get("kind") in kinds else 0,
            format_func=lambda k: t(f"delivery.kind.{k}"),
            key=f"{key}.kind",
        )
        address = st.text_input(
            t("field.channel.address"),
            value=before.get("address", ""),
            help=t("delivery.address_help"),
            key=f"{key}.address",
        )
        secret = st.text_input(
            t("field.channel.secret"), type="password", help=t("delivery.secret_help"), key=f"{key}.secret"
        )
        c3, c4 = st.columns(2)
        contents = list(channels.CONTENTS)
        content = c3.selectbox(
            t("field.channel.content"),
            contents,
            index=contents.index(before["content"]) if before.get("content") in contents else 0,
            format_func=lambda c: t(f"delivery.content.{c}"),
            key=f"{key}.content",
        )
        choices = [None, *projects]
        project_id = c4.selectbox(
            t("field.channel.project"),
            choices,
            index=choices.index(before.get("project_id")) if before.get("project_id") in choices else 0,
            format_func=project_label,
            key=f"{key}.project",
        )
        active = st.checkbox(t("delivery.active"), value=bool(before.get("active", True)), key=f"{key}.active")
        if st.form_submit_button(t("btn.save"), type="primary"):
            return {
                "name": name,
                "kind": kind,
                "address": address,
                "secret": secret,
                "content": content,
                "project_id": project_id,
                "active": active,
            }
    return None


st.subheader(t("delivery.channels"))
if not listed:
    st.info(t("delivery.none"))
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("field.channel.name"): c["name"],
                    t("field.channel.kind"): t(f"delivery.kind.{c['kind']}"),
                    t("field.channel.content"): t(f"delivery.content.{c['content']}"),
                    t("delivery.col.project"): project_label(c["project_id"]),
                    t("delivery.col.address"): c["address"],
                    t("delivery.signed"): c["signed"],
                    t("delivery.active"): bool(c["active"]),
                    t("delivery.owner"): c["owner_name"] + ("" if c["owner_active"] else t("delivery.owner_inactive")),
                }
                for c in listed
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    chosen_id = st.selectbox(
        t("delivery.pick"),
        [c["id"] for c in listed],
        format_func=lambda i: next(c["name"] for c in listed if c["id"] == i),
        key="delivery_channel",
    )
    chosen = channels.get_channel(db, actor, chosen_id)
    c1, c2, c3 = st.columns([1, 1, 2])
    if c1.button(t("delivery.test"), icon=":material/send:"):
        with st.spinner(t("delivery.test")):
            result = outbox.send_test(db, actor, chosen_id)
        if result["status"] == "sent":
            flash(PAGE, t("delivery.test_sent", name=chosen["name"]))
        else:
            flash(PAGE, t("delivery.test_failed", reason=result["detail"]), "error")
        st.rerun()
    sure = c3.checkbox(t("delivery.confirm_delete"), key="delivery_delete_sure")
    if c2.button(t("btn.delete"), disabled=not sure, icon=":material/delete:"):
        save_and_flash(ctx, PAGE, t("delivery.deleted"), channels.delete_channel, db, actor, chosen_id)
    with st.expander(t("delivery.edit")):
        changed = channel_form(f"edit_channel_{chosen_id}", {**chosen, "secret": ""})
        if changed is not None:
            save_and_flash(ctx, PAGE, t("delivery.saved"), channels.update_channel, db, actor, chosen_id, changed)

with st.expander(t("delivery.add"), expanded=not listed):
    new = channel_form("add_channel", None)
    if new is not None:
        save_and_flash(ctx, PAGE, t("delivery.saved"), channels.create_channel, db, actor, new)

st.subheader(t("delivery.outbox"))
search = st.text_input(t("delivery.search"), key="delivery_search")
log = outbox.outbox_log(db, actor, search)
if not log:
    st.info(t("delivery.outbox_empty"))
else:
    frame = pd.DataFrame(
        [
            {
                t("delivery.col.at"): r["at"],
                t("delivery.col.channel"): r["channel_name"],
                t("delivery.col.kind"): t(f"delivery.kind.{r['kind']}"),
                t("delivery.col.content"): t(f"delivery.content.{r['content']}"),
                t("delivery.col.period"): r["period"] if r["content"] != "test" else "",
                t("delivery.col.subject"): r["subject"],
                t("delivery.col.status"): t(f"delivery.status.{r['status']}"),
                t("delivery.col.attempts"): r["attempts"],
                t("delivery.col.detail"): r["detail"],
            }
            for r in log
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    download_xlsx(ctx, "delivery.export", {t("delivery.outbox"): frame}, "delivery-outbox.xlsx", "delivery_export")
    failed = [r for r in log if r["status"] == "failed" and r["content"] != "test"]
    if failed:
        c1, c2 = st.columns([3, 1])
        again = c1.selectbox(
            t("delivery.resend_pick"),
            [r["id"] for r in failed],
            format_func=lambda i: next(
                f"{r['channel_name']} · {r['period']} · {r['detail'][:60]}" for r in failed if r["id"] == i
            ),
        )
        if c2.button(t("delivery.resend"), icon=":material/replay:"):
            try:
                result = outbox.resend(db, actor, again)
            except ValidationError as exc:
                show_validation(ctx, exc)
            else:
                level = "success" if result["status"] == "sent" else "error"
                flash(PAGE, t("delivery.resent", status=t(f"delivery.status.{result['status']}")), level)
                st.rerun()
