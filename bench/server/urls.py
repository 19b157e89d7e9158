"""civic's URLs plus /bench/floor/: the minimal Django view the intake is measured against."""

import json

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from civic.urls import urlpatterns as civic_urlpatterns


@csrf_exempt
def floor(request):
    """Parse the same JSON body, one INSERT, a small JSON answer: the cost of Django itself."""
    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_intake_floor (title, description) VALUES (%s, %s) RETURNING id",
            [body.get("title", ""), body.get("description", "")],
        )
        (pk,) = cursor.fetchone()
    return JsonResponse({"id": pk}, status=201)


urlpatterns = [path("bench/floor/", floor), *civic_urlpatterns]
