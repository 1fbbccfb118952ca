"""``svodka serve``: the web page for QA staff and the data officer, and its JSON API."""

from svodka.web.app import Settings, create_app, serve
from svodka.web.security import TOKEN_ENV, TokenRequired, check_exposure, is_loopback

__all__ = ["TOKEN_ENV", "Settings", "TokenRequired", "check_exposure", "create_app",
           "is_loopback", "serve"]
