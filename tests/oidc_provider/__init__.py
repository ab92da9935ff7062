"""A real OpenID Connect provider (django-oauth-toolkit) that the tests run on loopback as a subprocess.

`client.Provider` starts and drives it; `run` is the process itself, with its own settings. Nothing
here imports Django at module level: pytest imports the `tests` package with Safeguard's settings.
"""
