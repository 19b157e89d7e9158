"""The OpenAPI schema, generated once per process rather than on every request.

drf-spectacular walks every endpoint and serializer to build the schema (about 0.3 s warm, 3 s
cold) and the YAML renderer takes another 0.2 s. The schema is a function of the code only (it
is served public, the same for every user), and code changes only with a deploy, which starts
new processes: each process renders each variant once (per API version, language and format)
and serves those bytes afterwards.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView

from civic.memo import Memo

# Kept for the life of the process. A handful of variants at most; `?lang=` and `?version=`
# come from the client, so past 32 the older half is dropped.
_schemas = Memo(float("inf"), max_entries=32)


class SchemaView(SpectacularAPIView):
    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        renderer, media_type = request.accepted_renderer, request.accepted_media_type
        key = (version, translation.get_language(), type(renderer), media_type)
        body = _schemas.get(key, self._render, request, version, renderer, media_type)
        content_type = (
            f"{renderer.media_type}; charset={renderer.charset}"
            if renderer.charset
            else renderer.media_type
        )
        filename = self._get_filename(request, version)
        return HttpResponse(
            body,
            content_type=content_type,
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )

    def _render(self, request, version, renderer, media_type) -> bytes:
        generator = self.generator_class(
            urlconf=self.urlconf, api_version=version, patterns=self.patterns
        )
        data = generator.get_schema(request=request, public=self.serve_public)
        body = renderer.render(data, media_type, self.get_renderer_context())
        return body.encode(renderer.charset) if isinstance(body, str) else body
