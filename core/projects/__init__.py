"""Projects: merchants, their projects and status, the order confirmation (订单确认), FAQ & scripts."""
