"""Pages, static assets and the message catalogue (zh-CN default, en)."""
