"""Mail in: sources (files, Maildir, mbox, IMAP), the store, the runner and its stages."""
