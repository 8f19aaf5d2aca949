"""The site's URLs plus views that fail on purpose, for tests of the error answers."""

import redis.exceptions
from django.db import InternalError, OperationalError
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as site


def html_boom(request):
    raise RuntimeError("a bug in an HTML view")


def html_database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


def api_plain_boom(request):
    raise RuntimeError("a bug in a plain view under /api/")


class ApiBoom(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("a bug in a DRF view")


class ApiDatabaseGone(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise OperationalError("terminating connection due to administrator command")


class ApiPooledConnectionGone(APIView):
    """What psycopg raises when a transaction pooler's server connection is killed."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise InternalError("received 2 results from command 'BEGIN'")


def html_pooled_connection_gone(request):
    raise InternalError("received 2 results from command 'COMMIT'")


def api_internal_bug(request):
    raise InternalError("a genuine internal error, not a lost connection")


class ApiCacheGone(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")


class ApiEcho(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request):
        return Response({"size": len(request.data.get("text", ""))})


urlpatterns = [
    path("boom/", html_boom),
    path("database-gone/", html_database_gone),
    path("api/test/plain-boom/", api_plain_boom),
    path("api/test/boom/", ApiBoom.as_view()),
    path("api/test/database-gone/", ApiDatabaseGone.as_view()),
    path("api/test/cache-gone/", ApiCacheGone.as_view()),
    path("api/test/pooled-connection-gone/", ApiPooledConnectionGone.as_view()),
    path("pooled-connection-gone/", html_pooled_connection_gone),
    path("api/test/internal-bug/", api_internal_bug),
    path("api/test/echo/", ApiEcho.as_view()),
    *site,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
