"""The root of every error a person may see.

Each subclass names one failure (`code`, stable for logs and tests) and one i18n key whose text
says what is wrong and how to fix it, in one sentence. `str(err)` is the English text so logs stay
readable; the CLI renders `err.render(lang)`.
"""

from __future__ import annotations

from typing import ClassVar

from nsplink.i18n import Lang, register, t

register(
    {
        "error.generic": ("Er ging iets mis: {detail}", "Something went wrong: {detail}"),
    }
)


class NsplinkError(Exception):
    code: ClassVar[str] = "error"
    key: ClassVar[str] = "error.generic"

    def __init__(self, detail: str = "", **params: object) -> None:
        self.detail = detail
        self.params: dict[str, object] = {"detail": detail, **params}
        super().__init__(self.render("en"))

    def render(self, lang: Lang | None = None) -> str:
        return t(self.key, lang, **self.params)
