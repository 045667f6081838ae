"""Merchant reports (日报/周报/月报): read-only, the merchant's own projects only; Excel and printable HTML."""

from __future__ import annotations

import streamlit as st

from core.kernel import config, formatting
from core.kernel.permissions import is_merchant
from core.reports import merchant_report
from ui import context
from ui.widgets import project_picker

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("report.page_title"))
if is_merchant(actor) and not st.session_state.get("report_intro_seen"):
    with st.container(border=True):
        st.markdown(t("report.intro"))
        if st.button(t("report.intro_ok")):
            st.session_state["report_intro_seen"] = True
            st.rerun()
c1, c2, c3 = st.columns([3, 2, 2])
project_id = project_picker(ctx, "report_project", with_status=False, remember=False, container=c1)["id"]
kind = (
    c2.segmented_control(
        t("report.kind"),
        merchant_report.KINDS,
        default="daily",
        format_func=lambda k: t(f"report.kind.{k}"),
        key="report_kind",
    )
    or "daily"
)
# each kind opens on its last complete period (a key per kind keeps the day a user picked for that kind)
anchor = c3.date_input(
    t("report.anchor"),
    value=merchant_report.default_anchor(kind),
    max_value=config.today(),
    format="YYYY-MM-DD",
    key=f"report_anchor_{kind}",
    help=t("report.anchor_hint"),
)
report = merchant_report.build(db, actor, project_id, kind, anchor)
st.subheader(merchant_report.title(report, t))
st.caption(f"{report['company']} · {t('report.generated')} {report['generated_at']}")

columns = st.columns(4)
for index, item in enumerate(report["headline"]):
    value = lambda v, item=item: formatting.kpi(item["kpi"], v, mean=item["mean"])  # noqa: E731
    label = merchant_report.headline_label(item, kind, t) + (
        f" · {t('kpi.target')} {value(item['target'])}" if item["target"] is not None else ""
    )
    delta = formatting.kpi_gap(item["kpi"], item["gap"], t("kpi.points"), mean=item["mean"])
    higher = item["kpi"] not in ("first_response_s", "avg_response_s")
    columns[index % 4].metric(
        label, value(item["actual"]), delta=delta, delta_color="normal" if higher else "inverse", border=True
    )
if not report["days"]:
    st.info(t("report.no_kpi_data"))

sections = merchant_report.sections(report, t)
for name, frame in list(sections.items())[1:]:
    st.markdown(f"#### {name}")
    if frame.empty:
        st.caption(t("report.none"))
    else:
        st.dataframe(frame, hide_index=True, width="stretch")

base_name = f"report-{kind}-{project_id}-{report['start']}"
c0, c1, c2 = st.columns(3)
c0.download_button(
    t("pdf.download"),
    lambda: merchant_report.to_pdf(report, t),  # built when clicked, not on every run of the page
    file_name=f"{base_name}.pdf",
    mime="application/pdf",
    icon=":material/picture_as_pdf:",
    key="report_pdf",
    type="primary",
)
c1.download_button(
    t("report.download_xlsx"),
    merchant_report.to_xlsx(report, t),
    file_name=f"{base_name}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    key="report_xlsx",
)
c2.download_button(
    t("report.download_html"),
    merchant_report.to_html(report, t),
    file_name=f"{base_name}.html",
    mime="text/html",
    icon=":material/print:",
    key="report_html",
)
