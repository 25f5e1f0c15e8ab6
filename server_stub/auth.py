"""Authentication as an Azure ML web service offers it: none, key or token.

* ``none``: the Azure Container Instances default; any request is accepted.
* ``key``: a primary and a secondary key, both valid, each regenerable.
* ``token``: a signed JWT (HS256) with an expiry and a refresh-by time,
  issued through the admin API as ``Webservice.get_token()`` would (an
  online endpoint's ``aml_token``, as ``get-credentials`` gives it).

Credentials travel as ``Authorization: Bearer <key-or-token>``; keys are
compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field

import jwt

MODES = ("none", "key", "token")
ISSUER = "server-stub"


class AuthError(Exception):
    """Missing or bad credentials; the message is safe to show the caller."""


def new_key() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class TokenIssuer:
    """Signs and verifies the JWTs of token-auth services."""

    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    lifetime: float = 3600.0

    def issue(self, service: str, lifetime: float | None = None) -> dict:
        now = time.time()
        life = self.lifetime if lifetime is None else lifetime
        expires = int(now + life)
        refresh_after = int(now + life / 2)
        claims = {"iss": ISSUER, "aud": service, "iat": int(now), "exp": expires, "refreshAfter": refresh_after}
        token = jwt.encode(claims, self.secret, algorithm="HS256")
        # Field names follow the Azure ML v1 token response (expiryOn, refreshAfter) and an online endpoint's
        # aml_token (expiryTimeUtc, refreshAfterTimeUtc: seconds since the epoch, UTC).
        return {
            "accessToken": token,
            "tokenType": "Bearer",
            "expiryOn": expires,
            "refreshAfter": refresh_after,
            "expiryTimeUtc": expires,
            "refreshAfterTimeUtc": refresh_after,
        }

    def verify(self, token: str, service: str) -> None:
        try:
            jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],
                audience=service,
                issuer=ISSUER,
                options={"require": ["exp", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token has expired; request a new one") from None
        except jwt.InvalidAudienceError:
            raise AuthError(f"token was issued for another service, not {service!r}") from None
        except jwt.InvalidSignatureError:
            raise AuthError("token signature is invalid") from None
        except jwt.InvalidTokenError as exc:
            raise AuthError(f"token is not valid: {exc}") from None


@dataclass
class ServiceAuth:
    """The authentication settings of one service."""

    mode: str = "none"
    primary_key: str = field(default_factory=new_key)
    secondary_key: str = field(default_factory=new_key)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"auth mode must be one of {', '.join(MODES)}, got {self.mode!r}")

    def regenerate(self, which: str) -> None:
        if which == "primary":
            self.primary_key = new_key()
        elif which == "secondary":
            self.secondary_key = new_key()
        else:
            raise ValueError(f'key must be "primary" or "secondary", got {which!r}')

    def describe(self) -> dict:
        doc: dict = {"mode": self.mode}
        if self.mode == "key":
            doc.update(primaryKey=self.primary_key, secondaryKey=self.secondary_key)
        return doc

    def check(self, authorization: str | None, service: str, tokens: TokenIssuer) -> None:
        """Raise AuthError unless the Authorization header grants access."""
        if self.mode == "none":
            return
        what = "key" if self.mode == "key" else "token"
        if not authorization:
            raise AuthError(f"missing Authorization header; this service expects 'Authorization: Bearer <{what}>'")
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise AuthError(f"Authorization header must be 'Bearer <{what}>', got scheme {scheme!r}")
        if self.mode == "key":
            supplied = credential.encode("utf-8", "surrogateescape")  # the header's bytes, whatever they are
            # Compare with both keys, always, so timing does not tell which one was close.
            ok_primary = hmac.compare_digest(supplied, self.primary_key.encode())
            ok_secondary = hmac.compare_digest(supplied, self.secondary_key.encode())
            if not (ok_primary or ok_secondary):
                raise AuthError("invalid key")
        elif not credential.isascii():
            raise AuthError("token is not valid: a token is ASCII text")
        else:
            tokens.verify(credential, service)
