"""Error reports that never carry what a person typed."""

from __future__ import annotations

from typing import Any

from django.views.debug import SafeExceptionReporterFilter


class PersonalDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hide every POST value (forms here hold names, addresses and stories), not only passwords,
    and every local variable in frames, where personal data also travels."""

    def get_post_parameters(self, request: Any) -> dict[str, Any]:
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        from django.conf import settings

        if settings.DEBUG:
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
