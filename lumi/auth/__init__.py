"""API keys, actions, tenant tokens and the policy deciding what a request may touch."""
