"""The root of every error a person may see: plain data, no text.

Each subclass names one failure (`code`, stable for logs and tests) and one catalog key (`key`);
the instance carries the parameters that text needs (`params`). People read the text that
`nsplink.texts.render_error(err, lang)` makes from key and params; `str(err)` is a language-neutral
technical line for logs. This module imports nothing from nsplink, so the sans-IO core can raise
these without pulling in the presentation layer.
"""

from __future__ import annotations

from typing import ClassVar


class NsplinkError(Exception):
    code: ClassVar[str] = "error"
    key: ClassVar[str] = "error.generic"

    def __init__(self, detail: str = "", **params: object) -> None:
        self.detail = detail
        self.params: dict[str, object] = {"detail": detail, **params}
        super().__init__(detail)

    def __str__(self) -> str:
        # For logs: code, detail, then the other parameters; never translated.
        extra = ", ".join(f"{k}={v!s}" for k, v in self.params.items() if k != "detail")
        line = f"{self.code}: {self.detail}" if self.detail else self.code
        return f"{line} ({extra})" if extra else line
