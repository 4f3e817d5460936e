"""`customer-agent init` and `customer-agent check`: set up an agent without reading code.

`init` (`starter.py`) writes a commented `bot/agent_profile.yml` and `.env`; `check`
(`check.py`) runs the checks of `checks_config.py` (profile, credentials), `checks_index.py`
(index), `checks_services.py` (stores, LLM endpoint) and `slack.py` (Slack Web API), each
returning `Finding`s: one line per pass or problem, every problem with its fix.
"""
