"""Email channel: IMAP in (IDLE when the server has it), SMTP out, one threaded reply per mail."""
