"""Start and drive the test OpenID Connect provider from a test; sign in at it as a browser would.

    provider = Provider.start(client_id="safeguard-test", client_secret="s3cret",
                              redirect_uris=[live_server.url + "/login/provider/callback/"], data_dir=tmp_path)
    sub = provider.add_user("dsl@school.example", "pw", "dsl@school.example", amr=("pwd", "mfa"))
    response = sign_in_at_provider(http, authorize_url, "dsl@school.example", "pw")
    # response.headers["Location"] is the relying party's callback, with code and state
    provider.stop()

Pure requests; nothing here imports Django.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20


class ProviderError(RuntimeError):
    pass


class Provider:
    def __init__(self, process: subprocess.Popen, *, port: int, data_dir: Path, client_id: str, client_secret: str):
        self.process = process
        self.port = port
        self.data_dir = data_dir
        self.client_id = client_id
        self.client_secret = client_secret
        self.base_url = f"http://127.0.0.1:{port}"
        self.issuer = f"{self.base_url}/o"
        self._http = requests.Session()
        self._http.trust_env = False  # loopback: never through a proxy

    @classmethod
    def start(
        cls,
        *,
        client_id: str,
        client_secret: str,
        redirect_uris: str | Iterable[str],
        data_dir: str | os.PathLike,
        port: int | None = None,
    ) -> Provider:
        """Starts the provider (a free port if `port` is None) and waits until discovery answers."""
        data_dir = Path(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        ready_file = data_dir / "ready.json"
        ready_file.unlink(missing_ok=True)
        uris = [redirect_uris] if isinstance(redirect_uris, str) else list(redirect_uris)
        command = [sys.executable, "-m", "tests.oidc_provider.run", "--port", str(port or 0), "--data", str(data_dir)]
        command += ["--client-id", client_id, "--client-secret", client_secret]
        for uri in uris:
            command += ["--redirect-uri", uri]
        env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
        log_path = data_dir / "provider.log"
        with open(log_path, "ab") as log:  # a file, not a pipe: a full pipe would block the server
            process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)  # noqa: S603
        deadline = time.monotonic() + START_TIMEOUT
        probe = requests.Session()
        probe.trust_env = False
        while True:
            if process.poll() is not None:
                raise ProviderError(f"The test OpenID Connect provider exited ({process.returncode}):\n{_tail(log_path)}")
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise ProviderError(
                    f"The test OpenID Connect provider did not answer within {START_TIMEOUT} s:\n{_tail(log_path)}"
                )
            if ready_file.exists():
                ready = json.loads(ready_file.read_text())
                try:
                    answer = probe.get(f"{ready['issuer']}/.well-known/openid-configuration", timeout=2)
                except requests.ConnectionError:
                    answer = None
                if answer is not None and answer.status_code == 200:
                    probe.close()
                    return cls(process, port=ready["port"], data_dir=data_dir, client_id=client_id, client_secret=client_secret)
            time.sleep(0.05)

    # Discovery

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def discovery(self) -> dict:
        return self._get(self.discovery_url)

    def jwks(self) -> dict:
        return self._get(f"{self.issuer}/.well-known/jwks.json")

    # Control

    def add_user(self, username, password, email, *, email_verified=True, name="", amr=("pwd",)) -> str:
        """Creates the user, or updates the one with that username (keeping its `sub`). Returns the `sub`."""
        body = {
            "username": username,
            "password": password,
            "email": email,
            "email_verified": email_verified,
            "name": name,
            "amr": list(amr),
        }
        return self._control("users", body)["sub"]

    def deactivate(self, username) -> None:
        self._control("users/deactivate", {"username": username})

    def set_fault(self, mode: str) -> None:
        """One of "" (none), "audience", "expired", "nonce", "issuer", "unpublished_key"."""
        self._control("fault", {"mode": mode})

    def rotate_key(self) -> str:
        """A new signing key; the old one stays in the JWKS. Returns the new key's kid."""
        return self._control("rotate", {})["kid"]

    def backchannel_logout(self, username, uri, *, aud=None) -> int:
        """The provider POSTs a signed logout token for the user to `uri`; returns that POST's HTTP status."""
        return self._control("backchannel-logout", {"username": username, "uri": uri, "aud": aud})["status"]

    def logout_token(self, username, aud=None) -> str:
        """A signed Back-Channel Logout token for the user (for `aud`, else this provider's client)."""
        return self._control("logout-token", {"username": username, "aud": aud})["logout_token"]

    def stop(self) -> None:
        self._http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Provider:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _get(self, url) -> dict:
        response = self._http.get(url, timeout=10)
        response.raise_for_status()
        return response.json()

    def _control(self, action, body) -> dict:
        response = self._http.post(f"{self.base_url}/control/{action}", json=body, timeout=30)
        if response.status_code != 200:
            raise ProviderError(f"control/{action}: {response.status_code} {response.text[:2000]}")
        return response.json()


def _tail(path: Path, limit=8000) -> str:
    try:
        return path.read_text(errors="replace")[-limit:]
    except FileNotFoundError:
        return "(no log)"


class _Forms(HTMLParser):
    """The forms in a page: action, method and their inputs' names and values."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "method": attrs.get("method", "get").lower(), "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def sign_in_at_provider(http: requests.Session, authorize_url: str, username: str, password: str) -> requests.Response:
    """GETs `authorize_url` (at the provider), follows the provider's redirects to its sign-in form,
    signs in (with the form's CSRF token), follows redirects that stay on the provider, and returns
    the response redirecting back off it (to the relying party's redirect URI), without following
    that. Signed in already (and no prompt=login), that redirect comes straight back."""
    provider = _origin(authorize_url)
    response = http.get(authorize_url, allow_redirects=False, timeout=30)
    signed_in = False
    for _ in range(20):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if _origin(location) != provider:
                return response
            response = http.get(location, allow_redirects=False, timeout=30)
            continue
        forms = _Forms()
        forms.feed(response.text if response.status_code == 200 else "")
        form = next((f for f in forms.forms if "password" in f["fields"] and f["method"] == "post"), None)
        if form is None:
            raise ProviderError(
                f"Expected the provider's sign-in form or a redirect; got {response.status_code} at {response.url}:\n{response.text[:2000]}"
            )
        if signed_in:
            raise ProviderError(f"The provider did not accept {username!r}'s sign-in:\n{response.text[:2000]}")
        fields = {**form["fields"], "username": username, "password": password}
        response = http.post(urljoin(response.url, form["action"]), data=fields, allow_redirects=False, timeout=30)
        signed_in = True
    raise ProviderError(f"Too many redirects at the provider, last at {response.url}")
