"""The agent directory (客服花名册): agents, their status history and project teams."""
