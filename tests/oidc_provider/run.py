"""Run the test OpenID Connect provider on 127.0.0.1.

    python -m tests.oidc_provider.run --port 8100 --data var/oidc-provider \\
        --client-id ID --client-secret SECRET --redirect-uri URI [--redirect-uri URI2] [--users users.json]

Creates the data directory and the signing key if absent, migrates its SQLite database, registers
the one relying party (a confidential client, authorization code with PKCE, RS256 ID tokens, no
consent screen) and the users, then serves (threaded). `--port 0` takes a free port. When it
answers, `ready.json` in the data directory gives the port and the issuer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.oidc_provider import state


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.oidc_provider.run", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8100, help="0 for a free port")
    parser.add_argument("--data", required=True, type=Path, help="data directory (database, keys, state)")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris")
    parser.add_argument(
        "--post-logout-redirect-uri",
        action="append",
        dest="post_logout_redirect_uris",
        help="default: the root of each redirect URI's origin",
    )
    parser.add_argument(
        "--users", type=Path, help='JSON list of {"username", "password", "email", "email_verified", "name", "amr"}'
    )
    return parser.parse_args(argv)


def register_application(args) -> None:
    from oauth2_provider.models import get_application_model

    application_model = get_application_model()
    post_logout = args.post_logout_redirect_uris or sorted(
        {f"{urlsplit(uri).scheme}://{urlsplit(uri).netloc}/" for uri in args.redirect_uris}
    )
    application, _ = application_model.objects.get_or_create(client_id=args.client_id)
    application.name = "Safeguard (tests)"
    application.client_secret = args.client_secret  # hashed on save; the relying party sends it in plain
    application.hash_client_secret = True
    application.client_type = application_model.CLIENT_CONFIDENTIAL
    application.authorization_grant_type = application_model.GRANT_AUTHORIZATION_CODE
    application.algorithm = application_model.RS256_ALGORITHM
    application.skip_authorization = True
    application.redirect_uris = " ".join(args.redirect_uris)
    application.post_logout_redirect_uris = " ".join(post_logout)
    application.save()


def exit_with_parent() -> None:
    """A provider whose test run has died (parent gone, so re-parented) stops too."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def main(argv=None) -> None:
    args = parse_args(argv)
    data = args.data.resolve()
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    os.environ["OIDC_PROVIDER_DATA"] = str(data)
    os.environ["OIDC_PROVIDER_CLIENT_ID"] = args.client_id
    state.ensure_files(data)
    (data / "ready.json").unlink(missing_ok=True)

    # Bind first: the issuer, in the settings, names the port (a free one when --port 0).
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Server(ThreadedWSGIServer):
        request_queue_size = 64

    httpd = Server(("127.0.0.1", args.port), WSGIRequestHandler)
    port = httpd.server_port
    os.environ["OIDC_PROVIDER_PORT"] = str(port)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", interactive=False, verbosity=0)
    register_application(args)
    if args.users:
        from tests.oidc_provider.views import save_user

        for user in json.loads(args.users.read_text()):
            save_user(user)

    httpd.set_app(get_wsgi_application())
    ready = {"port": port, "issuer": settings.ISSUER, "pid": os.getpid()}
    tmp = data / "ready.json.tmp"
    tmp.write_text(json.dumps(ready))
    tmp.replace(data / "ready.json")
    print(
        f"Test OpenID Connect provider at {settings.ISSUER} (discovery: {settings.ISSUER}/.well-known/openid-configuration)",
        flush=True,
    )
    exit_with_parent()
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":
    sys.exit(main())
