"""Mail out: the outbox, the worker that delivers it over SMTP, and the Sent folder."""
